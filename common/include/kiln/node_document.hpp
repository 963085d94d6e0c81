#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/source.hpp"

// A node-metadata document: what a decoded cloud-init `guestinfo.metadata` holds, what
// `--metadata FILE` and fw_cfg `opt/kiln/metadata` hold, and what the builder writes per node.
// JSON or YAML; cloud-init keys (`instance-id`, `local-hostname`, `public-keys`, `network`
// version 2) plus a `kiln:` map with the other node keys. Values come out in their text form
// (lists joined as node::join_items does), each with its location; grammar checks are left to
// the caller, which knows which transport the document came from.
namespace kiln::node {

struct DocumentValue {
    std::string key;  // a node key from the schema
    std::string text;
    Location where;
};

struct Document {
    std::vector<DocumentValue> values;
    const DocumentValue* find(std::string_view key) const;
};

// Structure errors (syntax, anchors/aliases/tags, unknown `kiln:` keys, wrong shapes) go to
// `report`; unknown top-level cloud-init keys are warnings. nullopt when unreadable (syntax,
// anchors); otherwise every well-formed value, even when others had errors.
std::optional<Document> read_document(const std::string& display_name, const std::string& text,
                                      SourceFiles& sources, Report& report);

}  // namespace kiln::node
