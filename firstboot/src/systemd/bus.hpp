#pragma once

#include <systemd/sd-bus.h>

#include <memory>
#include <optional>
#include <string>

#include "kiln/error.hpp"

// RAII around every sd-bus object, and one exception type that keeps the D-Bus error name.
namespace kiln::firstboot::bus {

struct BusUnref {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageUnref {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SlotUnref {
    void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
using Bus = std::unique_ptr<sd_bus, BusUnref>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;
using Slot = std::unique_ptr<sd_bus_slot, SlotUnref>;

// sd_bus_error that frees itself.
class CallError {
public:
    CallError() = default;
    ~CallError() { sd_bus_error_free(&error_); }
    CallError(const CallError&) = delete;
    CallError& operator=(const CallError&) = delete;
    sd_bus_error* get() { return &error_; }
    bool is_set() const { return sd_bus_error_is_set(&error_); }
    std::string name() const { return error_.name ? error_.name : ""; }
    std::string message() const { return error_.message ? error_.message : ""; }

private:
    sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

class BusError : public Error {
public:
    BusError(const std::string& what, std::string name) : Error(what), name_(std::move(name)) {}
    const std::string& name() const { return name_; }  // e.g. org.freedesktop.systemd1.NoSuchUnit

private:
    std::string name_;
};

// The system bus, or the bus at `address` (tests: a private dbus-daemon).
Bus open_bus(const std::optional<std::string>& address);

// Throws BusError for a failed call: "what: message (error.name)".
[[noreturn]] void fail(const std::string& what, CallError& error, int rc);

}  // namespace kiln::firstboot::bus
