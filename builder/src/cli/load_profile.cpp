#include "cli/load_profile.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "kiln/error.hpp"

namespace kiln::cli {

profile::Profile load_profile_or_throw(const std::string& path, const profile::LoadOptions& options,
                                       bool json) {
    SourceFiles sources;
    Report report;
    auto profile = profile::load(path, options, sources, report);
    if (!report.empty()) {
        if (json)
            std::cerr << report.to_json().dump() << "\n";
        else
            std::cerr << report.format(&sources);
    }
    if (!profile)
        throw InvalidInput(path + " is not a valid profile (" +
                           std::to_string(report.error_count()) + " error" +
                           (report.error_count() == 1 ? "" : "s") + ")");
    return std::move(*profile);
}

}  // namespace kiln::cli
