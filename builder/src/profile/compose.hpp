#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/yaml_graph.hpp"
#include "kiln/yaml_tree.hpp"

namespace kiln::profile {

// Includes a profile may have, counted as often as a file is included (a file included by two
// files counts twice), so that includes fanning out without a cycle cannot load 2^N files.
inline constexpr std::size_t kMaxIncludes = 64;
// Values of the profile and all its includes together (the limit of one YAML document).
inline constexpr std::size_t kMaxComposedValues = yaml::kMaxNodes;

// A profile document with its includes merged in: included files first, in order, then the
// including file on top. Mappings merge key by key, lists append, scalars replace; a value
// tagged !replace replaces whatever it lands on.
struct ComposedDocument {
    yaml::Node root;
    std::vector<std::string> files;  // display names of every file read, includes first
    std::map<std::string, std::filesystem::path> paths;  // display name -> path on disk
};

// Includes are read only from the top-level profile's folder (and below) and from
// `allowed_folders`: a profile cannot pull /etc/shadow into a build or its diagnostics.
std::optional<ComposedDocument> compose(const std::string& display_path,
                                        const std::vector<std::filesystem::path>& allowed_folders,
                                        SourceFiles& sources, Report& report);

void merge_into(yaml::Node& base, const yaml::Node& overlay);

}  // namespace kiln::profile
