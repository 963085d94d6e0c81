#include "bake/steps/sysprep.hpp"

namespace kiln::bake {

namespace {

// Removes every non-folder below `dir`, keeping the folders (services own them).
std::size_t remove_files_below(Root& root, const std::string& dir) {
    std::size_t n = 0;
    for (const auto& name : root.list(dir)) {
        std::string path = guest_join(dir, name);
        if (root.is_directory(path) && !root.is_symlink(path)) {
            n += remove_files_below(root, path);
        } else {
            root.remove(path);
            ++n;
        }
    }
    return n;
}

std::vector<std::string> homes(Root& root) {
    std::vector<std::string> out = {"/root"};
    for (const auto& name : root.list("/home")) out.push_back("/home/" + name);
    return out;
}

}  // namespace

void run_sysprep(Context& ctx, const std::string& op, const Location& where) {
    Root& root = *ctx.root;
    if (op == "package-cache") {
        root.remove_matching("/var/cache/apt/archives", "*.deb");
        root.remove_matching("/var/cache/apt", "*.bin");
        root.remove_matching("/var/lib/apt/lists", "*_*");
        root.empty_directory("/var/cache/yum");
        root.empty_directory("/var/cache/dnf");
    } else if (op == "logs") {
        ctx.note = std::to_string(remove_files_below(root, "/var/log")) + " files";
        for (const char* f : {"/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog"})
            if (root.exists(f)) root.remove(f);
    } else if (op == "shell-history") {
        for (const auto& home : homes(root))
            for (const char* f :
                 {".bash_history", ".lesshst", ".python_history", ".viminfo", ".psql_history"})
                root.remove(guest_join(home, f));
        root.remove("/var/lib/postgresql/.psql_history");
    } else if (op == "tmp-files") {
        root.empty_directory("/tmp");
        root.empty_directory("/var/tmp");
    } else if (op == "dhcp-leases") {
        root.remove_matching("/var/lib/dhcp", "*.leases");
        root.remove_matching("/var/lib/dhclient", "*");
        root.remove_matching("/var/lib/NetworkManager", "*.lease");
        root.remove_matching("/var/lib/systemd/network", "*");
    } else if (op == "udev-net-rules") {
        root.remove("/etc/udev/rules.d/70-persistent-net.rules");
        root.remove("/etc/udev/rules.d/75-persistent-net-generator.rules");
    } else if (op == "random-seed") {
        root.remove("/var/lib/systemd/random-seed");
        root.remove("/var/lib/random-seed");
    } else if (op == "ssh-hostkeys") {
        root.remove_matching("/etc/ssh", "ssh_host_*");
        // Debian's ssh.service does not make missing host keys (EL's sshd-keygen does): make
        // SSH come up on a clone even if first boot fails, as DESIGN promises.
        if (root.exists("/lib/systemd/system/ssh.service") ||
            root.exists("/usr/lib/systemd/system/ssh.service")) {
            root.make_directory("/etc/systemd/system/ssh.service.d", 0755, 0, 0);
            root.write_file("/etc/systemd/system/ssh.service.d/10-kiln-hostkeys.conf",
                            "# Each clone makes its own host keys (kiln removed the template's).\n"
                            "[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\n"
                            "ExecStartPre=/usr/sbin/sshd -t\n",
                            0644, 0, 0);
        }
    } else if (op == "machine-id") {
        // Empty, not missing: systemd 219 and 252 both generate an id at boot then.
        root.write_file("/etc/machine-id", "", 0444, 0, 0);
        if (root.exists("/var/lib/dbus/machine-id") &&
            root.read_file("/var/lib/dbus/machine-id").value_or("") != "")
            root.remove("/var/lib/dbus/machine-id");
    } else if (op == "zero-free-space") {
        ctx.zero_free_space = true;
        ctx.note = "done last, on the finished disk";
    } else {
        throw LocatedError(where, "unknown sysprep operation '" + op + "'");
    }
}

}  // namespace kiln::bake
