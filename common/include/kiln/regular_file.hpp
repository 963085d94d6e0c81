#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "kiln/unique_fd.hpp"

// Input files that must be regular files. A FIFO, /dev/zero, a socket or a folder named where
// a file is expected would block the open, or never end, or is not what the user meant: each is
// refused before a byte is read (its type is checked on an O_PATH descriptor, so a device is
// never opened), and a file is read only up to a limit.
namespace kiln {

struct FileProblem {
    std::string message;  // what is wrong, without the path: "is a FIFO, not a regular file"
    int error = 0;        // the errno when the system refused, 0 otherwise
};

struct RegularFile {
    UniqueFd fd;
    std::uint64_t size = 0;
};

// Opens one file with the flags given (O_CLOEXEC is added by the opener); an empty UniqueFd,
// errno set, when it cannot. Lets a caller resolve the path its own way (inside a root).
using FileOpener = std::function<UniqueFd(int flags)>;

std::variant<RegularFile, FileProblem> open_regular_file(const FileOpener& open);
std::variant<RegularFile, FileProblem> open_regular_file(const std::filesystem::path& path);

// The whole content of a regular file of at most `limit` bytes; a larger one is a problem that
// says "is larger than N bytes (<limit_name>)".
std::variant<std::string, FileProblem> read_regular_file(const FileOpener& open, std::size_t limit,
                                                         std::string_view limit_name = "the limit");
std::variant<std::string, FileProblem> read_regular_file(const std::filesystem::path& path,
                                                         std::size_t limit,
                                                         std::string_view limit_name = "the limit");

}  // namespace kiln
