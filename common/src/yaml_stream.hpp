#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

// What a YAML stream holds beyond its first document, found without YAML::LoadAll: yaml-cpp
// 0.7 (Debian 12) loops forever, allocating, when its parser stops consuming tokens (a stray ','
// at the top level: jbeder/yaml-cpp#1040, fixed upstream by #1319). kiln's fuzzers found it:
// a 34-byte profile hung `kiln validate`.
namespace kiln::yaml {

struct StreamShape {
    // Where a second document with content starts (kiln reads one document per file).
    std::optional<YAML::Mark> second_document;
    // Where the parser stopped making progress: the stream is not YAML from there.
    std::optional<YAML::Mark> stuck_at;
};

// Walks the stream's documents as events only; throws YAML::ParserException like a load would.
StreamShape probe_stream(const std::string& text);

}  // namespace kiln::yaml
