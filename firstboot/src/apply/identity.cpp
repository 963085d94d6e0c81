#include "apply/identity.hpp"

#include <unistd.h>

#include <cerrno>

#include "core/files.hpp"
#include "kiln/process.hpp"
#include "systemd/hostname.hpp"

namespace kiln::firstboot {

namespace {

bool has_host_keys(const std::filesystem::path& root) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root / "etc/ssh", ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with("ssh_host_") && name.ends_with("_key")) return true;
    }
    return false;
}

}  // namespace

void apply_identity(const std::filesystem::path& root, bool on_this_system,
                    const std::string& hostname, sd_bus* bus, Log& log) {
    bool set = false;
    if (bus) {
        try {
            set_hostname_over_bus(bus, hostname);
            set = true;
        } catch (const bus::BusError& e) {
            log.warning(std::string("hostname1 unavailable, falling back to sethostname: ") +
                        e.what());
        }
    }
    if (!set && on_this_system && ::sethostname(hostname.c_str(), hostname.size()) != 0)
        throw SystemError("cannot set the hostname", errno);

    if (!has_host_keys(root)) {
        auto keygen = find_program("ssh-keygen");
        if (!keygen) {
            log.warning("no SSH host keys and no ssh-keygen to make them");
        } else {
            std::vector<std::string> argv = {keygen->string(), "-A"};
            if (!on_this_system) argv.insert(argv.end(), {"-f", root.string()});
            // RSA key generation takes seconds on real hardware and far longer under emulation.
            run_process_checked({.argv = argv, .timeout = std::chrono::minutes(5)},
                                "ssh-keygen -A");
            log.info("generated fresh SSH host keys");
        }
    }

    auto machine_id = read_file_limited(under_root(root, "/etc/machine-id"), 64);
    if (!machine_id || machine_id->size() < 32) {
        auto setup = find_program("systemd-machine-id-setup");
        if (setup) {
            std::vector<std::string> argv = {setup->string()};
            if (!on_this_system) argv.push_back("--root=" + root.string());
            run_process_checked({.argv = argv, .timeout = std::chrono::minutes(1)},
                                "systemd-machine-id-setup");
        } else {
            log.warning("/etc/machine-id is empty and systemd-machine-id-setup is missing");
        }
    }
}

}  // namespace kiln::firstboot
