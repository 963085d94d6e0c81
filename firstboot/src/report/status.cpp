#include "report/status.hpp"

#include <time.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "apply/stamp.hpp"

namespace kiln::firstboot {

namespace {

// One word for the outcome, shared by status.json and guestinfo.kiln.status.
std::string outcome(const Status& status) {
    if (status.ok) return "ok";
    return status.waiting || status.stage == kWaitingStage ? std::string(kWaitingStage) : "error";
}

nlohmann::json timeline_json(const std::vector<Span>& timeline) {
    nlohmann::json spans = nlohmann::json::array();
    for (const auto& span : timeline) {
        nlohmann::json entry = {{"name", span.name}, {"start", span.start}};
        if (span.end) entry["end"] = *span.end;
        spans.push_back(std::move(entry));
    }
    return spans;
}

}  // namespace

double seconds_since_boot() {
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    // Milliseconds are the resolution anyone reads a boot timeline at.
    return std::round((static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9) * 1000) / 1000;
}

void write_status_file(const RootDir& root, const Status& status) {
    nlohmann::json json = {{"status", outcome(status)},
                           {"stage", status.stage},
                           {"message", status.message},
                           {"instance_id", status.instance_id},
                           {"transports", status.transports},
                           {"units_started", status.units_started},
                           {"timeline", timeline_json(status.timeline)},
                           {"time", utc_now()},
                           {"diagnostics", status.report.to_json()}};
    // Bytes that are not UTF-8 (in a file name, say) are replaced rather than failing the report.
    root.write_atomically(kStatusPath,
                          json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                          0644);
}

std::string guestinfo_status(const Status& status) {
    if (status.ok) return "ok";
    std::string word = outcome(status);
    std::string line = word == "error" ? word + ": " + status.stage + ": " + status.message
                                       : word + ": " + status.message;
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    if (line.size() > 1000) line.resize(1000);
    return line;
}

}  // namespace kiln::firstboot
