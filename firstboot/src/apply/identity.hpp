#pragma once

#include <filesystem>
#include <string>

#include "core/root_dir.hpp"
#include "report/log.hpp"
#include "systemd/bus.hpp"

namespace kiln::firstboot {

// The identity stage: hostname (hostname1 over the bus when there is one; else sethostname,
// /etc/hostname being already committed), SSH host keys generated if absent, machine-id present.
// `new_instance`: the OS disk was configured before as another instance (a clone of a configured
// node): its SSH host keys and machine-id are that node's, so they are replaced. The new
// machine-id takes effect at the next boot (systemd reads it once, at boot).
// `on_this_system`: `root` is this machine's own / (RunMode::on_this_system), so the running
// kernel's hostname is set too and the tools work on / rather than on a tree.
void apply_identity(const RootDir& root, bool on_this_system, const std::string& hostname,
                    bool new_instance, sd_bus* bus, Log& log);

}  // namespace kiln::firstboot
