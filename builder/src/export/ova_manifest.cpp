#include "export/ova_manifest.hpp"

#include <algorithm>

namespace kiln::exporter {

std::string format_manifest(const std::vector<ManifestEntry>& entries) {
    std::string out;
    for (const auto& e : entries) out += to_string(e.kind) + "(" + e.name + ")= " + e.hex + "\n";
    return out;
}

std::optional<ManifestEntry> parse_manifest_line(std::string_view line, std::string* problem) {
    auto fail = [&](std::string message) -> std::optional<ManifestEntry> {
        if (problem) *problem = std::move(message);
        return std::nullopt;
    };
    ManifestEntry e;
    std::size_t open = line.find('(');
    if (open == std::string_view::npos) return fail("no '(' after the digest name");
    std::string_view algorithm = line.substr(0, open);
    auto kind = parse_enum<DigestKind>(algorithm);
    if (!kind)
        return fail("unknown digest '" + std::string(algorithm) + "' (" + one_of<DigestKind>() +
                    ")");
    e.kind = *kind;
    std::size_t close = line.rfind(")= ");
    if (close == std::string_view::npos || close <= open)
        return fail("expected 'NAME)= HEX' after '" + std::string(algorithm) + "('");
    e.name = std::string(line.substr(open + 1, close - open - 1));
    if (e.name.empty()) return fail("empty file name");
    e.hex = std::string(line.substr(close + 3));
    if (e.hex.size() != hex_length(e.kind) || !std::all_of(e.hex.begin(), e.hex.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }))
        return fail("digest of " + e.name + " is not " + std::to_string(hex_length(e.kind)) +
                    " lowercase hex digits");
    return e;
}

std::vector<ManifestEntry> parse_manifest(std::string_view text,
                                          std::vector<std::string>& problems) {
    std::vector<ManifestEntry> entries;
    if (!text.empty() && text.back() != '\n')
        problems.push_back("the last line does not end with a newline");
    std::size_t start = 0;
    int number = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++number;
        std::string problem;
        if (auto e = parse_manifest_line(line, &problem))
            entries.push_back(std::move(*e));
        else
            problems.push_back("line " + std::to_string(number) + ": " + problem);
    }
    return entries;
}

}  // namespace kiln::exporter
