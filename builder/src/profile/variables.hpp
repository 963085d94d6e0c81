#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "kiln/diagnostics.hpp"
#include "kiln/yaml_tree.hpp"

// ${name} references in a profile's values: the variables a profile declares, overridden by
// --var, may refer to each other; "$${" is a literal "${" and is unescaped once.
namespace kiln::profile {

// Limits of expansion, so that `a: ${b}${b}`, `b: ${c}${c}` ... cannot double its way to GiBs.
inline constexpr std::size_t kMaxExpandedValueBytes = 64u << 10;  // one value, replaced
// All the variables' values together, and all the profile's replaced values together.
inline constexpr std::size_t kMaxExpandedTotalBytes = 16u << 20;
// Variables a variable may refer through, one inside the other (each level is a nested call).
inline constexpr std::size_t kMaxVariableDepth = 64;

struct Variables {
    std::map<std::string, std::string> values;  // final text, every reference replaced
    std::set<std::string> broken;               // declared, but already reported as wrong
};

// The declared variables (`variables` of `root`) with `overrides` applied and every reference
// between them replaced. An undefined, cyclic or too long variable is reported where it is
// declared.
Variables resolve_variables(const yaml::Node& root,
                            const std::map<std::string, std::string>& overrides, Report& report);

// Replaces ${name} in every scalar except those under a `variables` key. A value that cannot be
// replaced is reported (unless through a broken variable) and marked `reported`.
void substitute_variables(yaml::Node& root, const Variables& variables, Report& report);

}  // namespace kiln::profile
