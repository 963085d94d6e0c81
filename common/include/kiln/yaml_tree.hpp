#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/source.hpp"

// A YAML document as a tree where every node and every key remembers its file:line:column,
// so that values merged from several files still point at the file they came from.
namespace kiln::yaml {

enum class Kind { null, scalar, sequence, mapping };

struct Node {
    Kind kind = Kind::null;
    std::string scalar;   // the text of a scalar, exactly as written (unquoted)
    bool quoted = false;  // a quoted scalar is always a string, never a number/bool/null
    std::string tag;      // explicit tag such as "!replace", empty if none
    Location location;
    std::vector<Node> children;  // sequence items, or mapping values in document order
    std::string key;             // set on mapping values: the key that names this value
    Location key_location;
    // Set when a problem with this value was already reported (e.g. an undefined variable),
    // so that readers skip it instead of reporting a second, derived error.
    bool reported = false;

    bool is_null() const;  // a null node, or a plain "~"/"null"/"" scalar
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_sequence() const { return kind == Kind::sequence; }
    bool is_mapping() const { return kind == Kind::mapping; }

    const Node* find(std::string_view name) const;
    Node* find(std::string_view name);
    void erase(std::string_view name);
};

std::string_view kind_name(const Node& node);  // "a string", "a list", "a mapping", "null"

// The largest YAML file kiln reads (a profile, an include, an inventory, a secrets file).
inline constexpr std::size_t kMaxFileBytes = 4u << 20;

// Parses one YAML document; every problem goes to `report` (nullopt when there is no tree to
// read). The text must be YAML's character set (UTF-8 without control characters other than
// tab and line breaks); text that is not is refused and never quoted by a diagnostic. A
// second, non-empty document in the same text is an error, and so is a document past the limits
// of kiln/yaml_graph.hpp.
std::optional<Node> load_string(const std::string& display_name, const std::string& text,
                                SourceFiles& sources, Report& report);
// The same for a file, which must be a regular file of at most kMaxFileBytes.
std::optional<Node> load_file(const std::string& display_name, const std::filesystem::path& path,
                              SourceFiles& sources, Report& report);

}  // namespace kiln::yaml
