#pragma once

#include <guestfs.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "harness.hpp"

// Boots a built image under QEMU (TCG) on a throwaway copy-on-write layer and reports what the
// guest itself says once systemd has finished starting: its state, the failed units, and
// whether given units are active. The probe (a unit that hands off to a transient one, so it
// is not part of the boot transaction it waits for) is added to the layer only, never to the
// image under test.
namespace kiln_test {

struct BootReport {
    bool booted = false;                        // the probe ran and printed its report
    std::string state;                          // systemctl is-system-running
    int failed = -1;                            // number of failed units
    std::string failed_units;                   // their list
    std::map<std::string, std::string> active;  // unit -> is-active
    std::string machine_id;                     // as generated at boot
    std::string console;                        // the whole serial log
    double seconds = 0;
};

inline BootReport boot_and_probe(const std::filesystem::path& image,
                                 const std::filesystem::path& scratch,
                                 const std::vector<std::string>& units, int timeout_seconds = 900) {
    BootReport report;
    std::filesystem::path layer = scratch / "boot-layer.qcow2";
    std::filesystem::path console = scratch / "console.log";
    std::filesystem::remove(layer);
    std::filesystem::remove(console);
    run_command({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                 std::filesystem::absolute(image).string(), layer.string()});

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
        checks +
        "\n"
        "  echo \"machine-id=$(cat /etc/machine-id)\"; echo KILN-PROBE-END; } > /dev/ttyS0 2>&1\n"
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
    run_command({"qemu-system-x86_64",
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
                 "-drive",
                 "file=" + layer.string() + ",if=virtio,format=qcow2",
                 "-nic",
                 "user,model=virtio-net-pci",
                 "-display",
                 "none",
                 "-monitor",
                 "none",
                 "-no-reboot",
                 "-serial",
                 "file:" + console.string()},
                limit);
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.console = read_text(console);
    auto begin = report.console.find("KILN-PROBE-BEGIN");
    auto end = report.console.find("KILN-PROBE-END");
    if (begin == std::string::npos || end == std::string::npos) return report;
    report.booted = true;
    std::istringstream in(report.console.substr(begin, end - begin));
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
        else if (line.starts_with("active ")) {
            auto eq = line.find('=');
            report.active[line.substr(7, eq - 7)] = line.substr(eq + 1);
        }
    }
    std::filesystem::remove(layer);
    return report;
}

}  // namespace kiln_test
