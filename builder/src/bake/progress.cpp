#include "bake/progress.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "kiln/join.hpp"
#include "kiln/printable.hpp"

namespace kiln::bake {

Progress::Progress(std::ostream& out, bool json, std::size_t total_operations)
    : out_(out), json_(json), total_(total_operations) {}

void Progress::emit(const std::string& event, nlohmann::json fields) {
    fields["event"] = event;
    out_ << printable_json(fields).dump() << "\n" << std::flush;
}

void Progress::add_phase_time(const std::string& stage, double seconds) {
    for (auto& [name, total] : stages_)
        if (name == stage) {
            total += seconds;
            return;
        }
    stages_.emplace_back(stage, seconds);
}

void Progress::begin(const plan::Operation& op, std::size_t index) {
    index_ = index;
    std::string stage = plan::to_string(op.stage);
    if (stage != current_stage_) {
        current_stage_ = stage;
        if (json_)
            emit("stage", {{"stage", stage}});
        else
            out_ << "==> " << stage << "\n";
    }
    op_start_ = Clock::now();
    if (json_)
        emit("start", {{"stage", stage},
                       {"operation", op.name()},
                       {"summary", op.summary},
                       {"index", index},
                       {"total", total_}});
    else
        out_ << fmt::format("  [{:>2}/{}] {:<26} {} ...\n", index, total_, op.name(),
                            printable(op.summary))
             << std::flush;
}

void Progress::end(const plan::Operation& op, OpStatus status, const std::string& note) {
    double seconds = std::chrono::duration<double>(Clock::now() - op_start_).count();
    records_.push_back({&op, status, seconds, note});
    add_phase_time(plan::to_string(op.stage), seconds);
    if (json_)
        emit("finish", {{"stage", plan::to_string(op.stage)},
                        {"operation", op.name()},
                        {"status", to_string(status)},
                        {"note", note},
                        {"index", index_},
                        {"seconds", seconds}});
    else
        out_ << fmt::format("          {:<26} {} {:.1f}s{}\n", op.name(), to_string(status),
                            seconds, note.empty() ? "" : " (" + printable(note) + ")")
             << std::flush;
}

void Progress::fail(const plan::Operation* op, const std::string& message) {
    if (op) {
        double seconds = std::chrono::duration<double>(Clock::now() - op_start_).count();
        records_.push_back({op, OpStatus::failed, seconds, {}});
    }
    if (json_)
        emit("fail", {{"stage", op ? plan::to_string(op->stage) : ""},
                      {"operation", op ? op->name() : ""},
                      {"message", message}});
    else if (op)
        out_ << fmt::format("          {:<26} FAILED\n", op->name()) << std::flush;
}

void Progress::info(const std::string& message) {
    if (json_)
        emit("info", {{"message", message}});
    else
        out_ << "    " << printable(message, "\t") << "\n" << std::flush;
}

void Progress::warning(const std::string& message) {
    if (json_)
        emit("warning", {{"message", message}});
    else
        out_ << "kiln: warning: " << printable(message, "\t") << "\n" << std::flush;
}

void Progress::finished(bool ok, double seconds) {
    if (json_) {
        emit("end", {{"result", ok ? "ok" : "failed"}, {"seconds", seconds}});
        return;
    }
    if (!ok) return;
    auto stage = [](const auto& entry) {
        return fmt::format("{} {:.1f}s", entry.first, entry.second);
    };
    out_ << fmt::format("built in {:.1f}s ({})\n", seconds, join_mapped(stages_, ", ", stage))
         << std::flush;
}

std::vector<std::pair<std::string, double>> Progress::stage_seconds() const {
    return stages_;
}

}  // namespace kiln::bake
