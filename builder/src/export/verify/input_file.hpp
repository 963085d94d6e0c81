#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "kiln/unique_fd.hpp"

// The file kiln verify reads, and positioned reads from it.
namespace kiln::exporter::verify_detail {

// A regular file opened read-only for a sequential pass; throws InvalidInput otherwise.
class InputFile {
public:
    explicit InputFile(const std::filesystem::path& path);
    int fd() const { return fd_.get(); }
    std::uint64_t size() const { return size_; }

private:
    std::filesystem::path path_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
};

// Reads exactly n bytes at offset; false at end of file or on error.
bool read_at(int fd, std::uint64_t offset, void* out, std::size_t n);

// n bytes at offset, or "" when they cannot all be read.
std::string read_string(int fd, std::uint64_t offset, std::uint64_t n);

}  // namespace kiln::exporter::verify_detail
