#include "export/verify/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

namespace kiln::exporter {

std::size_t VerifyReport::faults() const {
    return static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(),
                      [](const Finding& f) { return f.outcome == Outcome::fault; }));
}

std::string VerifyReport::format() const {
    std::ostringstream out;
    std::size_t warnings = 0;
    for (const auto& f : findings) {
        std::string tag = f.outcome == Outcome::fault ? "FAULT" : to_string(f.outcome);
        if (f.outcome == Outcome::warning) ++warnings;
        out << fmt::format("  {:<7} {}: {}\n", tag, f.check, f.detail);
    }
    std::size_t n = faults();
    out << path.string() << ": " << (n ? "INVALID" : "valid") << " (" << n << " fault"
        << (n == 1 ? "" : "s") << ", " << warnings << " warning" << (warnings == 1 ? "" : "s")
        << ")\n";
    return out.str();
}

nlohmann::json VerifyReport::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : findings)
        list.push_back({{"outcome", to_string(f.outcome)},
                        {"check", f.check},
                        {"detail", f.detail}});
    return {{"path", path.string()}, {"valid", passed()}, {"faults", faults()}, {"findings", list}};
}

}  // namespace kiln::exporter
