#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "kiln/unique_fd.hpp"

namespace kiln {

// A file that appears at its final path only when complete: written under a temporary
// name in the same directory, fsynced, then renamed. Destroyed uncommitted, it leaves nothing.
class AtomicFile {
public:
    explicit AtomicFile(const std::filesystem::path& destination, unsigned mode = 0644);
    // `name` in the open folder `folder` (held until the file is committed or dropped); `display`
    // names the destination in messages.
    AtomicFile(UniqueFd folder, std::string name, std::string display, unsigned mode = 0644);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    int fd() const { return fd_.get(); }
    // Where the temporary file is, for a tool that writes it by name (in `display`'s folder).
    std::filesystem::path temp_path() const { return display_.parent_path() / temp_name_; }
    void write(std::string_view bytes);
    void commit();  // fsync, rename over the destination, fsync the directory

private:
    UniqueFd folder_;
    std::string name_;
    std::string temp_name_;
    std::filesystem::path display_;
    UniqueFd fd_;
    bool committed_ = false;
};

void write_file_atomically(const std::filesystem::path& destination, std::string_view content,
                           unsigned mode = 0644);

}  // namespace kiln
