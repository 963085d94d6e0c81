#pragma once

#include <filesystem>
#include <map>

#include "kiln/diagnostics.hpp"
#include "kiln/yaml_tree.hpp"
#include "profile/profile.hpp"

namespace kiln::profile {

struct DecodeContext {
    // Display name of each file -> its path on disk, to resolve relative paths in it.
    std::map<std::string, std::filesystem::path> paths;
    bool check_files = true;
    std::string default_name;  // used when the profile has no 'name'
};

// Turns a composed, substituted document into the typed model, reporting every problem.
Profile decode(const yaml::Node& root, const DecodeContext& context, Report& report);

}  // namespace kiln::profile
