#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace kiln::firstboot {

// Reads at most limit+1 bytes, so a caller can tell "too big" (size() > limit) without
// reading a huge file. nullopt when the file cannot be opened.
std::optional<std::string> read_file_limited(const std::filesystem::path& path, std::size_t limit);

// `path` (absolute, as on the target system) below `root`.
std::filesystem::path under_root(const std::filesystem::path& root,
                                 const std::filesystem::path& path);

}  // namespace kiln::firstboot
