#include "apply/identity.hpp"

#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "kiln/process.hpp"
#include "systemd/hostname.hpp"

namespace kiln::firstboot {

namespace {

constexpr std::string_view kSshDir = "/etc/ssh";
constexpr std::string_view kMachineId = "/etc/machine-id";
constexpr const char* kHostKeyTypes[] = {"ed25519", "ecdsa"};
// 33 bytes when set; anything far larger is not a machine-id.
constexpr std::size_t kMaxMachineIdBytes = 4096;

bool has_host_keys(const RootDir& root) {
    for (const auto& name : root.list(kSshDir))
        if (name.starts_with("ssh_host_") && name.ends_with("_key")) return true;
    return false;
}

void remove_host_keys(const RootDir& root) {
    for (const auto& name : root.list(kSshDir))
        if (name.starts_with("ssh_host_")) root.remove(std::filesystem::path(kSshDir) / name);
}

// 128 random bits as systemd writes them: 32 lowercase hex digits and a newline.
std::string random_machine_id() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error("no random bytes for a new machine-id");
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // v4, as systemd makes them
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    static const char digits[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id += digits[b >> 4];
        id += digits[b & 15];
    }
    return id + "\n";
}

}  // namespace

void apply_identity(const RootDir& root, bool on_this_system, const std::string& hostname,
                    bool new_instance, sd_bus* bus, Log& log) {
    if (new_instance) {
        remove_host_keys(root);
        root.write_atomically(kMachineId, random_machine_id(), 0444);
        const std::filesystem::path dbus_id = "/var/lib/dbus/machine-id";
        if (auto st = root.lstat(dbus_id); st && S_ISREG(st->st_mode))
            root.remove(dbus_id);  // dbus falls back to /etc/machine-id
        log.info("new instance on a configured OS disk: fresh SSH host keys and machine-id");
    }
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
            root.make_directories(kSshDir);
            // ssh-keygen writes ROOT/etc/ssh as this machine resolves it.
            if (!on_this_system) root.check_tools_stay_inside(kSshDir);
            const std::filesystem::path dir =
                on_this_system ? std::filesystem::path(kSshDir)
                               : root.path() / std::filesystem::path(kSshDir).relative_path();
            // Ed25519 and ECDSA only (sshd_config.d/50-kiln.conf names them): an RSA key takes
            // seconds to make, several under emulation, and only clients from before 2014 lack
            // both of the others.
            for (const char* type : kHostKeyTypes) {
                const std::string key = (dir / ("ssh_host_" + std::string(type) + "_key")).string();
                run_process_checked(
                    {.argv = {keygen->string(), "-q", "-t", type, "-N", "", "-C", "", "-f", key},
                     .timeout = std::chrono::minutes(2)},
                    "ssh-keygen -t " + std::string(type));
            }
            log.info("generated fresh SSH host keys (ed25519, ecdsa)");
        }
    }

    auto machine_id = root.read(kMachineId, kMaxMachineIdBytes, "/etc/machine-id");
    if (!machine_id || machine_id->size() < 32) {
        auto setup = find_program("systemd-machine-id-setup");
        if (setup) {
            std::vector<std::string> argv = {setup->string()};
            if (!on_this_system) argv.push_back("--root=" + root.path().string());
            run_process_checked({.argv = argv, .timeout = std::chrono::minutes(1)},
                                "systemd-machine-id-setup");
        } else {
            log.warning("/etc/machine-id is empty and systemd-machine-id-setup is missing");
        }
    }
}

}  // namespace kiln::firstboot
