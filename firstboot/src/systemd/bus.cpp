#include "systemd/bus.hpp"

#include <cstring>

namespace kiln::firstboot::bus {

Bus open_bus(const std::optional<std::string>& address) {
    sd_bus* raw = nullptr;
    int rc = 0;
    if (address) {
        rc = sd_bus_new(&raw);
        if (rc >= 0) {
            Bus bus(raw);
            rc = sd_bus_set_address(raw, address->c_str());
            if (rc >= 0) rc = sd_bus_set_bus_client(raw, 1);
            if (rc >= 0) rc = sd_bus_start(raw);
            if (rc >= 0) return bus;
            throw BusError("cannot connect to the bus at " + *address + ": " + std::strerror(-rc),
                           "");
        }
    } else {
        rc = sd_bus_open_system(&raw);
    }
    if (rc < 0)
        throw BusError(std::string("cannot connect to the system bus: ") + std::strerror(-rc), "");
    return Bus(raw);
}

void fail(const std::string& what, CallError& error, int rc) {
    if (error.is_set())
        throw BusError(what + ": " + error.message() + " (" + error.name() + ")", error.name());
    throw BusError(what + ": " + std::strerror(-rc), "");
}

}  // namespace kiln::firstboot::bus
