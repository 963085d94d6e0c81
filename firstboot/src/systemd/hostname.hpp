#pragma once

#include <string>

#include "systemd/bus.hpp"

namespace kiln::firstboot {

// Sets the static and transient hostname through org.freedesktop.hostname1.
void set_hostname_over_bus(sd_bus* bus, const std::string& hostname);

}  // namespace kiln::firstboot
