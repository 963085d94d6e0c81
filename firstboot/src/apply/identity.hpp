#pragma once

#include <filesystem>
#include <string>

#include "report/log.hpp"
#include "systemd/bus.hpp"

namespace kiln::firstboot {

// The identity stage: hostname (hostname1 over the bus when there is one; else sethostname,
// /etc/hostname being already committed), SSH host keys generated if absent, machine-id present.
// `on_this_system`: `root` is this machine's own / (RunMode::on_this_system), so the running
// kernel's hostname is set too and the tools work on / rather than on a tree.
void apply_identity(const std::filesystem::path& root, bool on_this_system,
                    const std::string& hostname, sd_bus* bus, Log& log);

}  // namespace kiln::firstboot
