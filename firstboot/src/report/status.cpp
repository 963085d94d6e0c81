#include "report/status.hpp"

#include <nlohmann/json.hpp>

#include "apply/stamp.hpp"

namespace kiln::firstboot {

namespace {

// One word for the outcome, shared by status.json and guestinfo.kiln.status.
std::string outcome(const Status& status) {
    if (status.ok) return "ok";
    return status.waiting || status.stage == kWaitingStage ? std::string(kWaitingStage) : "error";
}

}  // namespace

void write_status_file(const RootDir& root, const Status& status) {
    nlohmann::json json = {{"status", outcome(status)},
                           {"stage", status.stage},
                           {"message", status.message},
                           {"instance_id", status.instance_id},
                           {"transports", status.transports},
                           {"units_started", status.units_started},
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
