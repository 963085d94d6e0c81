#pragma once

#include <filesystem>
#include <string_view>

#include "kiln/unique_fd.hpp"

namespace kiln {

// A file that appears at its final path only when complete: written under a temporary
// name in the same directory, fsynced, then renamed. Destroyed uncommitted, it leaves nothing.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path destination, unsigned mode = 0644);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    int fd() const { return fd_.get(); }
    const std::filesystem::path& temp_path() const { return temp_; }
    const std::filesystem::path& destination() const { return destination_; }
    void write(std::string_view bytes);
    void commit();  // fsync, rename over the destination, fsync the directory

private:
    std::filesystem::path destination_;
    std::filesystem::path temp_;
    UniqueFd fd_;
    bool committed_ = false;
};

void write_file_atomically(const std::filesystem::path& destination, std::string_view content,
                           unsigned mode = 0644);

}  // namespace kiln
