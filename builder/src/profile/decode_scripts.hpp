#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/yaml_tree.hpp"
#include "profile/profile.hpp"

namespace kiln::profile {

// A value's path resolved against the folder of the file it was written in.
using PathResolver = std::function<std::filesystem::path(const Text&)>;

// `scripts:`, the profile's build steps: each with a unique name, an absolute interpreter,
// either `run` (its text) or `file` (a regular file, checked when `check_files`), and an `env`
// whose names are not secrets. Every problem is reported at its value.
std::vector<Script> decode_scripts(const yaml::Node& node, const PathResolver& resolve,
                                   bool check_files, Report& report);

// Why an environment variable may not be declared by a profile (a secret's name), if so.
std::optional<std::string> secret_variable_problem(const std::string& name);

}  // namespace kiln::profile
