#pragma once

#include <map>
#include <optional>
#include <string>

#include "kiln/diagnostics.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/source.hpp"
#include "kiln/yaml_tree.hpp"

// Node keys read from located YAML: inventories, a profile's firstboot.defaults and the
// defaults in /etc/kiln/image.yml.
namespace kiln::node {

// One value in its text form (a YAML list of a list key joined as join_items() does), checked
// against `spec`; problems are reported as "'path': ...".
std::optional<Text> read_value(const KeySpec& spec, const yaml::Node& value,
                               const std::string& path, Report& report);

// Node keys baked into an image as defaults: known keys with valid values, never secrets (they
// would be readable in every clone). Everything else is reported; `path` names the mapping.
std::map<std::string, Text> read_defaults(const yaml::Node& mapping, const std::string& path,
                                          Report& report);

}  // namespace kiln::node
