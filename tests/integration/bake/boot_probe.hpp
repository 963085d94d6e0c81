#pragma once

#include <guestfs.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "harness.hpp"
#include "run/hardware.hpp"

// Boots a built image under QEMU (TCG) on a throwaway copy-on-write layer, with a blank data
// disk and a NIC as a `kiln run` node has them (the same device arguments, on virtio or VMware's
// models), and reports what the guest itself says once systemd has finished starting: its
// state, the failed units, whether given units are active, and which drivers drive its disks
// and NICs. The probe (a unit that hands off to a transient one, so it
// is not part of the boot transaction it waits for) is added to the layer only, never to the
// image under test.
namespace kiln_test {

struct BootReport {
    bool booted = false;                              // the probe ran and printed its report
    std::string state;                                // systemctl is-system-running
    int failed = -1;                                  // number of failed units
    std::string failed_units;                         // their list
    std::map<std::string, std::string> active;        // unit -> is-active
    std::string machine_id;                           // as generated at boot
    std::string root_disk;                            // the disk / is on: "vda", "sda"
    std::map<std::string, std::string> disk_drivers;  // disk -> its PCI controller's driver
    std::map<std::string, std::string> nic_drivers;   // interface -> its driver
    std::string console;                              // the whole serial log
    double seconds = 0;
};

// The probe's report of the hardware: each disk's controller driver (the PCI device its sysfs
// path goes through), the disk holding /, and each NIC's driver.
inline const char* const kHardwareProbe = R"sh(
  for d in /sys/block/*; do
    case ${d##*/} in loop*|ram*|sr*|fd*|zram*) continue;; esac
    pci=$(readlink -f "$d" | sed -n 's|^/sys/devices/pci[^/]*/\([^/]*\)/.*|\1|p')
    echo "disk ${d##*/}=$(basename "$(readlink "/sys/bus/pci/devices/$pci/driver")")"
  done
  part=$(basename "$(readlink -f "$(findmnt -no SOURCE /)")")
  if [ -e "/sys/class/block/$part/partition" ]; then
    echo "root-disk=$(basename "$(dirname "$(readlink -f "/sys/class/block/$part")")")"
  else
    echo "root-disk=$part"
  fi
  for n in /sys/class/net/*; do
    driver=$(readlink "$n/device/driver") || continue
    echo "nic ${n##*/}=${driver##*/}"
  done
)sh";

// A probe line "PREFIX KEY=VALUE" into map[KEY] = VALUE; any other line is left alone.
inline void read_keyed(const std::string& line, const std::string& prefix,
                       std::map<std::string, std::string>& map) {
    auto eq = line.find('=');
    if (line.starts_with(prefix) && eq != std::string::npos)
        map[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
}

inline BootReport boot_and_probe(const std::filesystem::path& image,
                                 const std::filesystem::path& scratch,
                                 const std::vector<std::string>& units, int timeout_seconds = 900,
                                 kiln::run::Hardware hardware = kiln::run::Hardware::virtio) {
    BootReport report;
    std::filesystem::path layer = scratch / "boot-layer.qcow2";
    std::filesystem::path data = scratch / "boot-data.qcow2";
    std::filesystem::path console = scratch / "console.log";
    // The report has a serial port of its own: on ttyS0 the kernel's and systemd's console
    // lines interleave with it and once cut an "active UNIT=" line in half.
    std::filesystem::path probe = scratch / "probe.log";
    std::filesystem::remove(layer);
    std::filesystem::remove(console);
    std::filesystem::remove(probe);
    run_command({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                 std::filesystem::absolute(image).string(), layer.string()});
    run_command({"qemu-img", "create", "-q", "-f", "qcow2", data.string(), "1G"});

    std::string checks;
    for (const auto& u : units)
        checks += "echo \"active " + u + "=$(systemctl is-active " + u + ")\"; ";
    std::string script =
        "#!/bin/sh\n"
        "state=$(systemctl is-system-running --wait)\n"
        "{ echo KILN-PROBE-BEGIN; echo \"state=$state\";\n"
        "  echo \"failed=$(systemctl list-units --failed --plain --no-legend | wc -l)\";\n"
        "  systemctl list-units --failed --plain --no-legend | sed 's/^/failed-unit /';\n"
        "  " +
        checks + kHardwareProbe +
        "  echo \"machine-id=$(cat /etc/machine-id)\"; echo KILN-PROBE-END; } > /dev/ttyS1 2>&1\n"
        "systemctl poweroff\n";
    std::string unit =
        "[Unit]\nDescription=kiln test probe\n\n[Service]\nType=oneshot\n"
        "ExecStart=/usr/bin/systemd-run --no-block --unit=kiln-probe-run /bin/sh "
        "/usr/local/sbin/kiln-probe\n\n"
        "[Install]\nWantedBy=multi-user.target\n";
    {
        guestfs_h* g = guestfs_create();
        guestfs_set_error_handler(g, nullptr, nullptr);
        guestfs_add_drive_opts(g, layer.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1);
        bool ok = guestfs_launch(g) == 0;
        char** roots = ok ? guestfs_inspect_os(g) : nullptr;
        ok = roots && roots[0] && guestfs_mount(g, roots[0], "/") == 0;
        ok = ok && guestfs_mkdir_p(g, "/usr/local/sbin") == 0 &&
             guestfs_write(g, "/usr/local/sbin/kiln-probe", script.data(), script.size()) == 0 &&
             guestfs_chmod(g, 0755, "/usr/local/sbin/kiln-probe") == 0 &&
             guestfs_write(g, "/etc/systemd/system/kiln-probe.service", unit.data(), unit.size()) ==
                 0 &&
             guestfs_ln_sf(g, "/etc/systemd/system/kiln-probe.service",
                           "/etc/systemd/system/multi-user.target.wants/kiln-probe.service") == 0;
        guestfs_shutdown(g);
        guestfs_close(g);
        if (!ok) return report;
    }
    auto start = std::chrono::steady_clock::now();
    CommandOptions limit;  // a guest that never powers off is stopped, and reported not booted
    limit.timeout = std::chrono::seconds(timeout_seconds);
    limit.stop_signal = SIGTERM;
    limit.expect_timeout = true;
    std::vector<std::string> qemu = {"qemu-system-x86_64",
                                     "-machine",
                                     "pc",
                                     "-accel",
                                     "tcg,thread=multi",
                                     "-cpu",
                                     "max",
                                     "-smp",
                                     "2",
                                     "-m",
                                     "2048",
                                     "-netdev",
                                     "user,id=n0"};
    for (auto& arg :
         kiln::run::device_arguments(hardware, {layer, data}, {{"n0", "52:54:00:12:34:56"}}))
        qemu.push_back(std::move(arg));
    for (const char* arg : {"-display", "none", "-monitor", "none", "-no-reboot", "-serial"})
        qemu.emplace_back(arg);
    qemu.push_back("file:" + console.string());
    qemu.push_back("-serial");
    qemu.push_back("file:" + probe.string());
    run_command(qemu, limit);
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.console = read_text(console);
    std::string probed = read_text(probe);
    auto begin = probed.find("KILN-PROBE-BEGIN");
    auto end = probed.find("KILN-PROBE-END");
    if (begin == std::string::npos || end == std::string::npos) return report;
    report.booted = true;
    std::istringstream in(probed.substr(begin, end - begin));
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.starts_with("state="))
            report.state = line.substr(6);
        else if (line.starts_with("failed="))
            report.failed = std::stoi(line.substr(7));
        else if (line.starts_with("failed-unit "))
            report.failed_units += line.substr(12) + "\n";
        else if (line.starts_with("machine-id="))
            report.machine_id = line.substr(11);
        else if (line.starts_with("root-disk="))
            report.root_disk = line.substr(10);
        else {
            read_keyed(line, "active ", report.active);
            read_keyed(line, "disk ", report.disk_drivers);
            read_keyed(line, "nic ", report.nic_drivers);
        }
    }
    std::filesystem::remove(layer);
    std::filesystem::remove(data);
    return report;
}

}  // namespace kiln_test
