#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/source.hpp"
#include "profile/profile.hpp"

namespace kiln::profile {

struct LoadOptions {
    std::map<std::string, std::string> variables;  // --var name=value
    // --allow-include: folders besides the profile's own that includes may come from
    std::vector<std::filesystem::path> allowed_include_folders;
    bool check_files = true;  // overlay sources, local base images, key files must exist
};

// Reads a profile with its includes, applies variables, decodes and validates it.
// Every problem goes to `report`; the profile is returned only if there is no error.
std::optional<Profile> load(const std::string& display_path, const LoadOptions& options,
                            SourceFiles& sources, Report& report);

// Parses "name=value" as given to --var.
std::pair<std::string, std::string> parse_variable_assignment(const std::string& text);

}  // namespace kiln::profile
