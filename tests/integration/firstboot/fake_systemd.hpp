#pragma once

// A private dbus-daemon and, on it, stand-ins for systemd's Manager and hostnamed that speak
// the real interfaces (StartUnit returns a job path, JobRemoved carries the result), so the
// sd-bus layer is exercised against a real bus.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace kiln::firstboot::test {

class PrivateBus {
public:
    explicit PrivateBus(const std::filesystem::path& dir) {
        socket_ = dir / "bus";
        address_ = "unix:path=" + socket_.string();
        std::string addr_arg = "--address=" + address_;
        std::vector<std::string> args = {"dbus-daemon",
                                         "--config-file=/usr/share/dbus-1/session.conf", "--nofork",
                                         "--nopidfile", addr_arg};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawnp(&pid_, "dbus-daemon", nullptr, nullptr, argv.data(), environ) != 0)
            throw std::runtime_error("cannot start dbus-daemon");
        // The socket file appears before dbus-daemon accepts on it: wait for a real hello.
        for (int i = 0; i < 500 && !answers(); ++i) usleep(10000);
        if (!answers()) throw std::runtime_error("dbus-daemon did not come up");
    }
    ~PrivateBus() {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    const std::string& address() const { return address_; }

private:
    bool answers() const {
        if (!std::filesystem::exists(socket_)) return false;
        sd_bus* bus = nullptr;
        bool ok = sd_bus_new(&bus) >= 0 && sd_bus_set_address(bus, address_.c_str()) >= 0 &&
                  sd_bus_set_bus_client(bus, 1) >= 0 && sd_bus_start(bus) >= 0 &&
                  sd_bus_flush(bus) >= 0;
        const char* id = nullptr;
        ok = ok && sd_bus_get_unique_name(bus, &id) >= 0;
        sd_bus_flush_close_unref(bus);
        return ok;
    }

    std::filesystem::path socket_;
    std::string address_;
    pid_t pid_ = -1;
};

class FakeSystemd {
public:
    // unit -> JobRemoved result; "never" sends none (a hung start); absent units: "done".
    std::map<std::string, std::string> results;
    std::vector<std::string> calls;       // "StartUnit etcd.service", "SetStaticHostname pg-1", ...
    std::atomic<int> reload_delay_ms{0};  // a manager too busy to answer Reload at once
    // unit -> how long its start job runs before its JobRemoved (a DCS member waiting for its
    // quorum); set before the jobs start.
    std::map<std::string, std::chrono::milliseconds> start_delays;

    explicit FakeSystemd(const std::string& address) {
        if (sd_bus_new(&bus_) < 0 || sd_bus_set_address(bus_, address.c_str()) < 0 ||
            sd_bus_set_bus_client(bus_, 1) < 0 || sd_bus_start(bus_) < 0)
            throw std::runtime_error("fake systemd cannot connect");
        sd_bus_add_object_vtable(bus_, nullptr, "/org/freedesktop/systemd1",
                                 "org.freedesktop.systemd1.Manager", kManager, this);
        sd_bus_add_object_vtable(bus_, nullptr, "/org/freedesktop/hostname1",
                                 "org.freedesktop.hostname1", kHostname, this);
        sd_bus_request_name(bus_, "org.freedesktop.systemd1", 0);
        sd_bus_request_name(bus_, "org.freedesktop.hostname1", 0);
        thread_ = std::thread([this] {
            while (!stop_) {
                emit_due_signals();
                int r = sd_bus_process(bus_, nullptr);
                if (r < 0) break;
                if (r == 0) sd_bus_wait(bus_, 50000);
            }
        });
    }
    ~FakeSystemd() {
        stop_ = true;
        thread_.join();
        sd_bus_flush_close_unref(bus_);
    }
    std::vector<std::string> recorded() {
        std::lock_guard lock(mutex_);
        return calls;
    }

private:
    struct PendingJob {
        std::chrono::steady_clock::time_point due;
        uint32_t id;
        std::string path, unit, result;
    };

    // On the bus thread: the delayed jobs whose time has come end now.
    void emit_due_signals() {
        auto now = std::chrono::steady_clock::now();
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (it->due > now) {
                ++it;
                continue;
            }
            sd_bus_emit_signal(bus_, "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss", it->id,
                               it->path.c_str(), it->unit.c_str(), it->result.c_str());
            it = pending_.erase(it);
        }
    }

    void record(const std::string& call) {
        std::lock_guard lock(mutex_);
        calls.push_back(call);
    }

    static int job(sd_bus_message* m, void* userdata, sd_bus_error* error) {
        auto* self = static_cast<FakeSystemd*>(userdata);
        const char *unit = nullptr, *mode = nullptr;
        sd_bus_message_read(m, "ss", &unit, &mode);
        std::string method = sd_bus_message_get_member(m);
        self->record(method + " " + unit);
        std::string u = unit;
        if (u == "nosuch.service")
            return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit",
                                     "Unit %s not found.", unit);
        uint32_t id = ++self->next_job_;
        std::string path = "/org/freedesktop/systemd1/job/" + std::to_string(id);
        int r = sd_bus_reply_method_return(m, "o", path.c_str());
        std::string result =
            (method == "StartUnit" || method == "RestartUnit") && self->results.count(u)
                ? self->results[u]
                : "done";
        if (auto delay = self->start_delays.find(u);
            method == "StartUnit" && delay != self->start_delays.end()) {
            self->pending_.push_back(
                {std::chrono::steady_clock::now() + delay->second, id, path, u, result});
            return r;
        }
        if (result != "never")
            sd_bus_emit_signal(sd_bus_message_get_bus(m), "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss", id,
                               path.c_str(), unit, result.c_str());
        return r;
    }
    static int nothing(sd_bus_message* m, void* userdata, sd_bus_error*) {
        static_cast<FakeSystemd*>(userdata)->record(sd_bus_message_get_member(m));
        return sd_bus_reply_method_return(m, "");
    }
    static int reload(sd_bus_message* m, void* userdata, sd_bus_error* error) {
        auto* self = static_cast<FakeSystemd*>(userdata);
        std::this_thread::sleep_for(std::chrono::milliseconds(self->reload_delay_ms.load()));
        return nothing(m, userdata, error);
    }
    // EnableUnitFiles, DisableUnitFiles, MaskUnitFiles, UnmaskUnitFiles: units, then runtime.
    static int unit_files(sd_bus_message* m, void* userdata, sd_bus_error*) {
        auto* self = static_cast<FakeSystemd*>(userdata);
        std::string method = sd_bus_message_get_member(m);
        std::string units;
        sd_bus_message_enter_container(m, 'a', "s");
        const char* u = nullptr;
        while (sd_bus_message_read(m, "s", &u) > 0)
            units += std::string(units.empty() ? "" : ",") + u;
        sd_bus_message_exit_container(m);
        int runtime = 0;
        sd_bus_message_read(m, "b", &runtime);
        self->record(method + " " + units + (runtime ? " runtime" : " persistent"));
        sd_bus_message* reply = nullptr;
        sd_bus_message_new_method_return(m, &reply);
        if (method == "EnableUnitFiles") sd_bus_message_append(reply, "b", 1);
        sd_bus_message_open_container(reply, 'a', "(sss)");
        sd_bus_message_close_container(reply);
        int r = sd_bus_send(nullptr, reply, nullptr);
        sd_bus_message_unref(reply);
        return r;
    }
    static int hostname(sd_bus_message* m, void* userdata, sd_bus_error*) {
        const char* name = nullptr;
        int interactive = 0;
        sd_bus_message_read(m, "sb", &name, &interactive);
        static_cast<FakeSystemd*>(userdata)->record(std::string(sd_bus_message_get_member(m)) +
                                                    " " + name);
        return sd_bus_reply_method_return(m, "");
    }

    static constexpr sd_bus_vtable kManager[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("StartUnit", "ss", "o", job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopUnit", "ss", "o", job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RestartUnit", "ss", "o", job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Subscribe", "", "", nothing, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "", reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("EnableUnitFiles", "asbb", "ba(sss)", unit_files, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("DisableUnitFiles", "asb", "a(sss)", unit_files, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("MaskUnitFiles", "asbb", "a(sss)", unit_files, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("UnmaskUnitFiles", "asb", "a(sss)", unit_files, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("JobRemoved", "uoss", 0),
        SD_BUS_VTABLE_END};
    static constexpr sd_bus_vtable kHostname[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("SetStaticHostname", "sb", "", hostname, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SetHostname", "sb", "", hostname, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END};

    sd_bus* bus_ = nullptr;
    std::vector<PendingJob> pending_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<uint32_t> next_job_{0};
    std::mutex mutex_;
};

}  // namespace kiln::firstboot::test
