#include "export/verify/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "export/verify/limits.hpp"
#include "kiln/printable.hpp"

namespace kiln::exporter {

namespace {

std::string unlisted_text(const Unlisted& u) {
    std::string text;
    if (u.faults) text = std::to_string(u.faults) + " more fault(s)";
    if (u.warnings)
        text += (text.empty() ? "" : " and ") + std::to_string(u.warnings) + " more warning(s)";
    return text + " not listed (at most " + std::to_string(verify_detail::kMaxFindingsPerCheck) +
           " a check)";
}

}  // namespace

void VerifyReport::add(Outcome outcome, const std::string& check, std::string detail) {
    if (++listed_[check] <= verify_detail::kMaxFindingsPerCheck) {
        findings.push_back({outcome, check, std::move(detail)});
        return;
    }
    if (outcome == Outcome::fault) ++unlisted[check].faults;
    if (outcome == Outcome::warning) ++unlisted[check].warnings;
}

std::size_t VerifyReport::faults() const {
    std::size_t n = static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(),
                      [](const Finding& f) { return f.outcome == Outcome::fault; }));
    for (const auto& [check, u] : unlisted) n += u.faults;
    return n;
}

std::string VerifyReport::format() const {
    std::ostringstream out;
    std::size_t warnings = 0;
    for (const auto& f : findings) {
        std::string tag = f.outcome == Outcome::fault ? "FAULT" : to_string(f.outcome);
        if (f.outcome == Outcome::warning) ++warnings;
        out << fmt::format("  {:<7} {}: {}\n", tag, f.check, printable(f.detail));
    }
    for (const auto& [check, u] : unlisted) {
        out << fmt::format("  {:<7} {}: {}\n", u.faults ? "FAULT" : "warning", check,
                           unlisted_text(u));
        warnings += u.warnings;
    }
    std::size_t n = faults();
    out << printable(path.string()) << ": " << (n ? "INVALID" : "valid") << " (" << n << " fault"
        << (n == 1 ? "" : "s") << ", " << warnings << " warning" << (warnings == 1 ? "" : "s")
        << ")\n";
    return out.str();
}

nlohmann::json VerifyReport::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : findings)
        list.push_back({{"outcome", to_string(f.outcome)},
                        {"check", f.check},
                        {"detail", printable(f.detail)}});
    nlohmann::json report = {{"path", printable(path.string())},
                             {"valid", passed()},
                             {"faults", faults()},
                             {"findings", list}};
    for (const auto& [check, u] : unlisted)
        report["unlisted"][check] = {{"faults", u.faults}, {"warnings", u.warnings}};
    return report;
}

}  // namespace kiln::exporter
