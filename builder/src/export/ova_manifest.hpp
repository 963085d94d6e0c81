#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "export/digest.hpp"

namespace kiln::exporter {

struct ManifestEntry {
    DigestKind kind = DigestKind::sha256;
    std::string name;
    std::string hex;  // lowercase
};

// Lines exactly "SHA256(name)= hex\n", in the given order.
std::string format_manifest(const std::vector<ManifestEntry>& entries);

// Parses one line (without its newline); nullopt and `problem` set when it is malformed.
std::optional<ManifestEntry> parse_manifest_line(std::string_view line, std::string* problem);

// Every line of a manifest; problems are collected as "line N: ..." and parsing goes on.
std::vector<ManifestEntry> parse_manifest(std::string_view text,
                                          std::vector<std::string>& problems);

}  // namespace kiln::exporter
