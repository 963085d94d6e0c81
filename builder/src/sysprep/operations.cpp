#include "sysprep/operations.hpp"

#include <array>

namespace kiln::sysprep {

namespace {

// Removes every non-folder below `dir`, keeping the folders (services own them).
std::size_t remove_files_below(GuestFiles& files, const std::string& dir) {
    std::size_t n = 0;
    for (const auto& name : files.list(dir)) {
        std::string path = guest_join(dir, name);
        if (files.is_directory(path) && !files.is_symlink(path)) {
            n += remove_files_below(files, path);
        } else {
            files.remove(path);
            ++n;
        }
    }
    return n;
}

std::vector<std::string> homes(GuestFiles& files) {
    std::vector<std::string> out = {"/root"};
    for (const auto& name : files.list("/home")) out.push_back("/home/" + name);
    return out;
}

std::string package_cache(GuestFiles& files) {
    files.remove_matching("/var/cache/apt/archives", "*.deb");
    files.remove_matching("/var/cache/apt", "*.bin");
    files.remove_matching("/var/lib/apt/lists", "*_*");
    files.empty_directory("/var/cache/yum");
    files.empty_directory("/var/cache/dnf");
    return {};
}

std::string logs(GuestFiles& files) {
    std::string note = std::to_string(remove_files_below(files, "/var/log")) + " files";
    for (const char* f : {"/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog"})
        if (files.exists(f)) files.remove(f);
    return note;
}

std::string shell_history(GuestFiles& files) {
    for (const auto& home : homes(files))
        for (const char* f :
             {".bash_history", ".lesshst", ".python_history", ".viminfo", ".psql_history"})
            files.remove(guest_join(home, f));
    files.remove("/var/lib/postgresql/.psql_history");
    return {};
}

std::string tmp_files(GuestFiles& files) {
    files.empty_directory("/tmp");
    files.empty_directory("/var/tmp");
    return {};
}

std::string dhcp_leases(GuestFiles& files) {
    files.remove_matching("/var/lib/dhcp", "*.leases");
    files.remove_matching("/var/lib/dhclient", "*");
    files.remove_matching("/var/lib/NetworkManager", "*.lease");
    files.remove_matching("/var/lib/systemd/network", "*");
    return {};
}

std::string udev_net_rules(GuestFiles& files) {
    files.remove("/etc/udev/rules.d/70-persistent-net.rules");
    files.remove("/etc/udev/rules.d/75-persistent-net-generator.rules");
    return {};
}

std::string random_seed(GuestFiles& files) {
    files.remove("/var/lib/systemd/random-seed");
    files.remove("/var/lib/random-seed");
    return {};
}

std::string ssh_hostkeys(GuestFiles& files) {
    files.remove_matching("/etc/ssh", "ssh_host_*");
    // Debian's ssh.service does not make missing host keys (EL's sshd-keygen does): make SSH
    // come up on a clone even if first boot fails, as DESIGN promises.
    if (files.exists("/lib/systemd/system/ssh.service") ||
        files.exists("/usr/lib/systemd/system/ssh.service")) {
        files.make_directory("/etc/systemd/system/ssh.service.d", 0755, 0, 0);
        files.write_file("/etc/systemd/system/ssh.service.d/10-kiln-hostkeys.conf",
                         "# Each clone makes its own host keys (kiln removed the template's).\n"
                         "[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\n"
                         "ExecStartPre=/usr/sbin/sshd -t\n",
                         0644, 0, 0);
    }
    return {};
}

std::string machine_id(GuestFiles& files) {
    // Empty, not missing: systemd 219 and 252 both generate an id at boot then.
    files.write_file("/etc/machine-id", "", 0444, 0, 0);
    if (files.exists("/var/lib/dbus/machine-id") &&
        files.read_file("/var/lib/dbus/machine-id").value_or("") != "")
        files.remove("/var/lib/dbus/machine-id");
    return {};
}

constexpr std::array kOperations = {
    Operation{"package-cache", "clear package manager caches", true, package_cache},
    Operation{"logs", "remove logs and the journal", true, logs},
    Operation{"shell-history", "remove shell histories", true, shell_history},
    Operation{"tmp-files", "empty /tmp and /var/tmp", true, tmp_files},
    Operation{"dhcp-leases", "remove DHCP leases", true, dhcp_leases},
    Operation{"udev-net-rules", "remove persistent network device rules", true, udev_net_rules},
    Operation{"random-seed", "remove the saved random seed", true, random_seed},
    Operation{"ssh-hostkeys", "remove SSH host keys (each clone makes its own)", true,
              ssh_hostkeys},
    Operation{"machine-id", "empty /etc/machine-id (each clone gets its own)", true, machine_id},
    Operation{"zero-free-space", "discard free space so exports stay small", true, nullptr},
};

}  // namespace

std::span<const Operation> operations() {
    return kOperations;
}

const Operation* find(std::string_view name) {
    for (const auto& op : kOperations)
        if (op.name == name) return &op;
    return nullptr;
}

}  // namespace kiln::sysprep
