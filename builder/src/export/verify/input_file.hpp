#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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

// A window over [base, base + size) of a file, for a sequential walk with large reads.
class FileWindow {
public:
    FileWindow(int fd, std::uint64_t base, std::uint64_t size)
        : fd_(fd), base_(base), size_(size) {}
    int fd() const { return fd_; }
    std::uint64_t base() const { return base_; }
    std::uint64_t size() const { return size_; }
    // Bytes [at, at + n) relative to base, or nullptr past the end / on a read error.
    const std::uint8_t* get(std::uint64_t at, std::size_t n);

private:
    static constexpr std::size_t kWindow = 8u << 20;
    int fd_;
    std::uint64_t base_, size_;
    std::uint64_t start_ = 0;
    std::vector<std::uint8_t> buffer_;
};

// Reads exactly n bytes at offset; false at end of file or on error.
bool read_at(int fd, std::uint64_t offset, void* out, std::size_t n);

// n bytes at offset, or "" when they cannot all be read.
std::string read_string(int fd, std::uint64_t offset, std::uint64_t n);

}  // namespace kiln::exporter::verify_detail
