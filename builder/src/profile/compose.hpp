#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/yaml_tree.hpp"

namespace kiln::profile {

// A profile document with its includes merged in: included files first, in order, then the
// including file on top. Mappings merge key by key, lists append, scalars replace; a value
// tagged !replace replaces whatever it lands on.
struct ComposedDocument {
    yaml::Node root;
    std::vector<std::string> files;  // display names of every file read, includes first
    std::map<std::string, std::filesystem::path> paths;  // display name -> path on disk
};

std::optional<ComposedDocument> compose(const std::string& display_path, SourceFiles& sources,
                                        Report& report);

void merge_into(yaml::Node& base, const yaml::Node& overlay);

// Replaces ${name} in every scalar (not in `variables` itself); "$${" is a literal "${".
void substitute_variables(yaml::Node& node, const std::map<std::string, std::string>& variables,
                          Report& report);

}  // namespace kiln::profile
