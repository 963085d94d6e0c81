#include "systemd/manager.hpp"

#include <algorithm>
#include <cstring>

namespace kiln::firstboot {

namespace {
constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kInterface = "org.freedesktop.systemd1.Manager";
}  // namespace

SystemdManager::SystemdManager(sd_bus* bus) : bus_(bus) {
    sd_bus_slot* slot = nullptr;
    // Match before any job exists, so that no JobRemoved can be missed.
    int rc = sd_bus_match_signal(bus_, &slot, kService, kPath, kInterface, "JobRemoved",
                                 on_job_removed, this);
    if (rc < 0)
        throw bus::BusError(std::string("cannot subscribe to JobRemoved: ") + std::strerror(-rc),
                            "");
    match_.reset(slot);
    bus::CallError error;
    rc = sd_bus_call_method(bus_, kService, kPath, kInterface, "Subscribe", error.get(), nullptr,
                            "");
    if (rc < 0 && error.name() != "org.freedesktop.systemd1.AlreadySubscribed")
        bus::fail("Subscribe", error, rc);
}

int SystemdManager::on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<SystemdManager*>(userdata);
    uint32_t id = 0;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0)
        self->results_[job] = result;
    return 0;
}

std::string SystemdManager::call_job(const char* method, const std::string& unit) {
    bus::CallError error;
    sd_bus_message* raw = nullptr;
    int rc = sd_bus_call_method(bus_, kService, kPath, kInterface, method, error.get(), &raw, "ss",
                                unit.c_str(), "replace");
    bus::Message reply(raw);
    if (rc < 0) bus::fail(std::string(method) + " " + unit, error, rc);
    const char* job = nullptr;
    rc = sd_bus_message_read(reply.get(), "o", &job);
    if (rc < 0) throw bus::BusError(std::string(method) + " " + unit + ": unexpected reply", "");
    return job;
}

std::optional<std::string> SystemdManager::take_result(const std::string& job) {
    auto it = results_.find(job);
    if (it == results_.end()) return std::nullopt;
    std::string result = it->second;
    results_.erase(it);
    return result;
}

void SystemdManager::pump(const std::string& unit, std::chrono::microseconds at_most) {
    int rc = sd_bus_process(bus_, nullptr);
    if (rc > 0) return;
    if (rc >= 0)
        rc = sd_bus_wait(bus_, static_cast<uint64_t>(std::max<long long>(at_most.count(), 0)));
    if (rc < 0)
        throw bus::BusError("lost the bus while waiting for " + unit + ": " + std::strerror(-rc),
                            "");
}

std::string SystemdManager::wait(const std::string& job, const std::string& unit,
                                 std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (auto result = take_result(job)) return *result;
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw Error("timed out after " + std::to_string(timeout.count() / 1000) +
                        " s waiting for " + unit + " to start");
        pump(unit, left);
    }
}

std::string SystemdManager::wait_patiently(const std::string& job, const std::string& unit,
                                           std::chrono::milliseconds every,
                                           const std::function<void()>& tick) {
    auto next_tick = std::chrono::steady_clock::now() + every;
    while (true) {
        if (auto result = take_result(job)) return *result;
        auto now = std::chrono::steady_clock::now();
        if (now >= next_tick) {
            tick();
            next_tick = std::chrono::steady_clock::now() + every;
            continue;
        }
        pump(unit, std::chrono::duration_cast<std::chrono::microseconds>(next_tick - now));
    }
}

void SystemdManager::start_patiently(const std::string& unit, std::chrono::milliseconds every,
                                     const std::function<void()>& tick) {
    std::string job = call_job("StartUnit", unit);
    std::string result = wait_patiently(job, unit, every, tick);
    if (result != "done")
        throw Error("starting " + unit + " failed: job result '" + result +
                    "' (see journalctl -u " + unit + ")");
}

void SystemdManager::start(const std::string& unit, std::chrono::milliseconds timeout) {
    run_to_done("StartUnit", "starting", unit, timeout);
}

void SystemdManager::restart(const std::string& unit, std::chrono::milliseconds timeout) {
    run_to_done("RestartUnit", "restarting", unit, timeout);
}

void SystemdManager::run_to_done(const char* method, const char* doing, const std::string& unit,
                                 std::chrono::milliseconds timeout) {
    std::string job = call_job(method, unit);
    std::string result = wait(job, unit, timeout);
    if (result != "done")
        throw Error(std::string(doing) + " " + unit + " failed: job result '" + result +
                    "' (see journalctl -u " + unit + ")");
}

void SystemdManager::stop(const std::string& unit, std::chrono::milliseconds timeout) {
    std::string job = call_job("StopUnit", unit);
    wait(job, unit, timeout);
}

void SystemdManager::enable(const std::vector<std::string>& units,
                            std::chrono::milliseconds timeout) {
    call_unit_files("EnableUnitFiles", units, {0, 1}, timeout);  // persistent, force
    reload(timeout);
}

void SystemdManager::disable_and_mask(const std::vector<std::string>& units,
                                      std::chrono::milliseconds timeout) {
    if (units.empty()) return;
    call_unit_files("DisableUnitFiles", units, {0}, timeout);  // persistent
    call_unit_files("MaskUnitFiles", units, {0, 1}, timeout);  // persistent, force
    reload(timeout);
}

void SystemdManager::unmask(const std::vector<std::string>& units,
                            std::chrono::milliseconds timeout) {
    if (units.empty()) return;
    call_unit_files("UnmaskUnitFiles", units, {0}, timeout);  // persistent
    reload(timeout);
}

namespace {

// sd-bus's default method timeout is 25 s; a loaded machine takes longer to reload.
uint64_t microseconds(std::chrono::milliseconds timeout) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(timeout).count());
}

}  // namespace

void SystemdManager::call_unit_files(const char* method, const std::vector<std::string>& units,
                                     std::initializer_list<int> flags,
                                     std::chrono::milliseconds timeout) {
    const std::string cannot_build = std::string(method) + ": cannot build the call";
    bus::CallError error;
    sd_bus_message* raw = nullptr;
    int rc = sd_bus_message_new_method_call(bus_, &raw, kService, kPath, kInterface, method);
    bus::Message call(raw);
    if (rc < 0) throw bus::BusError(cannot_build, "");
    rc = sd_bus_message_open_container(call.get(), 'a', "s");
    for (const auto& u : units)
        if (rc >= 0) rc = sd_bus_message_append(call.get(), "s", u.c_str());
    if (rc >= 0) rc = sd_bus_message_close_container(call.get());
    for (int flag : flags)
        if (rc >= 0) rc = sd_bus_message_append(call.get(), "b", flag);
    if (rc < 0) throw bus::BusError(cannot_build, "");
    sd_bus_message* reply_raw = nullptr;
    rc = sd_bus_call(bus_, call.get(), microseconds(timeout), error.get(), &reply_raw);
    bus::Message reply(reply_raw);
    if (rc < 0) bus::fail(method, error, rc);
}

void SystemdManager::reload(std::chrono::milliseconds timeout) {
    sd_bus_message* reload_raw = nullptr;
    int rc =
        sd_bus_message_new_method_call(bus_, &reload_raw, kService, kPath, kInterface, "Reload");
    bus::Message reload(reload_raw);
    if (rc < 0) throw bus::BusError("Reload: cannot build the call", "");
    bus::CallError reload_error;
    sd_bus_message* reload_reply_raw = nullptr;
    rc = sd_bus_call(bus_, reload.get(), microseconds(timeout), reload_error.get(),
                     &reload_reply_raw);
    bus::Message reload_reply(reload_reply_raw);
    if (rc < 0) bus::fail("Reload", reload_error, rc);
}

}  // namespace kiln::firstboot
