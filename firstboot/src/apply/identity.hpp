#pragma once

#include <filesystem>
#include <string>

#include "report/log.hpp"
#include "systemd/bus.hpp"

namespace kiln::firstboot {

// The identity stage: hostname (hostname1 over the bus when there is one; else sethostname,
// /etc/hostname being already committed), SSH host keys generated if absent, machine-id present.
void apply_identity(const std::filesystem::path& root, const std::string& hostname, sd_bus* bus,
                    Log& log);

}  // namespace kiln::firstboot
