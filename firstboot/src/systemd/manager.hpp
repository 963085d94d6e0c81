#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "systemd/bus.hpp"

namespace kiln::firstboot {

// org.freedesktop.systemd1.Manager: StartUnit returns a job path; the job's JobRemoved signal
// carries its result ("done", "failed", "timeout", "dependency", "canceled", "skipped").
class SystemdManager {
public:
    explicit SystemdManager(sd_bus* bus);

    // Starts the unit and waits for its job; throws Error naming the unit unless the result is
    // "done" (or when `timeout` passes first).
    void start(const std::string& unit, std::chrono::milliseconds timeout);
    // Starts the unit and waits for its job however long it takes (a DCS member waiting for its
    // quorum), calling `tick` every `every` meanwhile; throws like start() on a failed job.
    void start_patiently(const std::string& unit, std::chrono::milliseconds every,
                         const std::function<void()>& tick);
    void stop(const std::string& unit, std::chrono::milliseconds timeout);
    // Restarts the unit (starts it when inactive); throws like start().
    void restart(const std::string& unit, std::chrono::milliseconds timeout);
    // Enables the units for later boots, then reloads the manager; each call may take up to
    // `timeout`.
    void enable(const std::vector<std::string>& units, std::chrono::milliseconds timeout);
    // Disables and masks the units for good (the DCS servers a cluster did not choose), then
    // reloads the manager.
    void disable_and_mask(const std::vector<std::string>& units, std::chrono::milliseconds timeout);
    // Unmasks the units (a server chosen again after another was), then reloads the manager.
    void unmask(const std::vector<std::string>& units, std::chrono::milliseconds timeout);

private:
    // A UnitFiles method of the manager taking the units and then `flags` booleans.
    void call_unit_files(const char* method, const std::vector<std::string>& units,
                         std::initializer_list<int> flags, std::chrono::milliseconds timeout);
    void reload(std::chrono::milliseconds timeout);
    void run_to_done(const char* method, const char* doing, const std::string& unit,
                     std::chrono::milliseconds timeout);
    std::string call_job(const char* method, const std::string& unit);
    std::string wait(const std::string& job, const std::string& unit,
                     std::chrono::milliseconds timeout);
    // Waits for the job's result with no deadline, calling `tick` every `every`.
    std::string wait_patiently(const std::string& job, const std::string& unit,
                               std::chrono::milliseconds every, const std::function<void()>& tick);
    std::optional<std::string> take_result(const std::string& job);
    // Processes bus traffic, waiting at most `at_most` for some.
    void pump(const std::string& unit, std::chrono::microseconds at_most);
    static int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error* error);

    sd_bus* bus_;
    bus::Slot match_;
    std::map<std::string, std::string> results_;  // job path -> result, as signals arrive
};

}  // namespace kiln::firstboot
