#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/root_dir.hpp"
#include "kiln/diagnostics.hpp"

namespace kiln::firstboot {

inline constexpr std::string_view kStatusPath = "/run/kiln/status.json";
// Status.stage of a boot that found no node metadata at all (not an error).
inline constexpr std::string_view kWaitingStage = "waiting";

// One span of a run (a stage, a unit's start), in seconds since the kernel started
// (CLOCK_BOOTTIME, so a boot's spans line up with the kernel's and systemd's own timestamps).
struct Span {
    std::string name;
    double start = 0;
    std::optional<double> end;  // not yet ended (a run that failed or waits in it)
};

double seconds_since_boot();

struct Status {
    bool ok = false;
    bool waiting = false;  // not failed, not done: e.g. a DCS member waiting for its quorum
    std::string stage;     // the stage that failed or waits, "done", or kWaitingStage
    std::string message;   // one line: what a human reads first
    std::string instance_id;
    std::vector<std::string> transports;
    std::vector<std::string> units_started;
    std::vector<Span> timeline;  // where the time of this run went
    Report report;               // every diagnostic (messages never carry secret values)
};

// /run/kiln/status.json (0644; no secrets in it).
void write_status_file(const RootDir& root, const Status& status);
// What guestinfo.kiln.status gets: "ok", "waiting: <message>" or "error: <stage>: <message>".
std::string guestinfo_status(const Status& status);

}  // namespace kiln::firstboot
