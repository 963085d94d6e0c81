#pragma once

#include <string>
#include <vector>

#include "bake/tools.hpp"
#include "sysprep/guest_files.hpp"

namespace kiln::bake {

// The root filesystem of the system being built, wherever it lives: a folder on the host (a
// bootstrapped tree, changed at native speed) or a disk inside the libguestfs appliance (an
// image base). Every tree operation (overlays, settings, units, sealing, sysprep) is written
// once against this interface: the guest's files, and programs run inside the guest.
class Root : public GuestFiles {
public:
    virtual std::string describe() const = 0;
    // Runs a program inside the guest (chroot with /proc, /sys, /dev), network as configured.
    virtual ProcessResult run(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env = {},
                              StdoutTo stdout_to = StdoutTo::log) = 0;

    ProcessResult run_checked(const std::vector<std::string>& argv, const std::string& what,
                              const std::vector<std::string>& env = {});
};

// The PATH every command in a guest gets.
inline constexpr const char* kGuestPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// `env -i` with the clean environment every command in a guest gets (the build's
// build_environment() among it), plus `env`.
std::vector<std::string> guest_command_prefix(const std::vector<std::string>& env);

}  // namespace kiln::bake
