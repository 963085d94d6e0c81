#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "kiln/regular_file.hpp"

namespace kiln::firstboot {

using kiln::FileOpener;

// The content of a regular file of at most `limit` bytes, read without blocking on a FIFO and
// without opening a device (its type is checked on an O_PATH descriptor first). nullopt when it
// does not exist; throws Error naming `display` when it is not a regular file, is larger than
// `limit` (saying it is the limit for `what`), or cannot be read.
std::optional<std::string> read_regular_file(const FileOpener& open, const std::string& display,
                                             std::size_t limit, std::string_view what);

// The same for a file named on the command line (--metadata, --ovf-env).
std::optional<std::string> read_regular_file(const std::filesystem::path& path, std::size_t limit,
                                             std::string_view what);

// `path` (absolute, as on the target system) below `root`, for this system's own root only: a
// tree's content is reached through RootDir, which never leaves it.
std::filesystem::path under_root(const std::filesystem::path& root,
                                 const std::filesystem::path& path);

}  // namespace kiln::firstboot
