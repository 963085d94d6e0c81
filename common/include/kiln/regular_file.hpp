#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>

#include "kiln/unique_fd.hpp"

// Input files that must be regular files. A FIFO, /dev/zero, a socket or a folder named where
// a file is expected would block the open, or never end, or is not what the user meant: each is
// refused before a byte is read, and a file is read only up to a limit.
namespace kiln {

struct FileProblem {
    std::string message;  // what is wrong, without the path: "is a FIFO, not a regular file"
};

struct RegularFile {
    UniqueFd fd;
    std::uint64_t size = 0;
};

// Opens without blocking (a FIFO with no writer would block open(2)) and checks the type.
std::variant<RegularFile, FileProblem> open_regular_file(const std::filesystem::path& path);

// The whole content of a regular file of at most `limit` bytes.
std::variant<std::string, FileProblem> read_regular_file(const std::filesystem::path& path,
                                                         std::size_t limit);

}  // namespace kiln
