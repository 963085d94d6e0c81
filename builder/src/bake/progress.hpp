#pragma once

#include <array>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"
#include "plan/operation.hpp"

namespace kiln::bake {

// How one operation of the plan ended.
enum class OpStatus { done, cached, skipped, failed };
constexpr auto name_table(OpStatus) {
    using enum OpStatus;
    return std::to_array<EnumName<OpStatus>>(
        {{done, "done"}, {cached, "cached"}, {skipped, "skipped"}, {failed, "failed"}});
}

struct OpRecord {
    const plan::Operation* op = nullptr;
    OpStatus status = OpStatus::done;
    double seconds = 0;
    std::string note;
};

// Progress of a build, per stage and operation (Ignition-style start/finish/fail lines):
// readable lines on a terminal, or with --json one JSON event per line for CI.
class Progress {
public:
    Progress(std::ostream& out, bool json, std::size_t total_operations);

    void begin(const plan::Operation& op, std::size_t index);
    void end(const plan::Operation& op, OpStatus status, const std::string& note = {});
    void fail(const plan::Operation* op, const std::string& message);
    void info(const std::string& message);
    void warning(const std::string& message);
    void finished(bool ok, double seconds);

    // Time spent in named phases that are not plan operations (appliance launch, cache copy).
    void add_phase_time(const std::string& stage, double seconds);

    const std::vector<OpRecord>& records() const { return records_; }
    // Seconds per stage, in first-seen order.
    std::vector<std::pair<std::string, double>> stage_seconds() const;

private:
    using Clock = std::chrono::steady_clock;
    // One JSON line: {"event": EVENT, ...fields}.
    void emit(const std::string& event, nlohmann::json fields);

    std::ostream& out_;
    bool json_;
    std::size_t total_;
    std::size_t index_ = 0;
    Clock::time_point op_start_{};
    std::string current_stage_;
    std::vector<OpRecord> records_;
    std::vector<std::pair<std::string, double>> stages_;
};

}  // namespace kiln::bake
