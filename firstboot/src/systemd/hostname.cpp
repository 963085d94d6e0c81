#include "systemd/hostname.hpp"

namespace kiln::firstboot {

void set_hostname_over_bus(sd_bus* bus, const std::string& hostname) {
    for (const char* method : {"SetStaticHostname", "SetHostname"}) {
        bus::CallError error;
        int rc = sd_bus_call_method(bus, "org.freedesktop.hostname1", "/org/freedesktop/hostname1",
                                    "org.freedesktop.hostname1", method, error.get(), nullptr, "sb",
                                    hostname.c_str(), 0);
        if (rc < 0) bus::fail(std::string("hostname1 ") + method, error, rc);
    }
}

}  // namespace kiln::firstboot
