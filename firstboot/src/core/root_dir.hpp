#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/atomic_file.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::firstboot {

// The system kiln-firstboot configures, by its root folder: this machine's "/", or a tree (a
// preview, a test's root). Every path here is absolute as on that system and is resolved inside
// the root (kiln::open_in_root): a symlink, a ".." or a passwd home in the root's own content
// never leads out of it. Every read and write kiln-firstboot does under the root goes through
// this class.
class RootDir {
public:
    // Throws SystemError when `root` cannot be opened as a folder.
    explicit RootDir(std::filesystem::path root);

    // The root as given on the command line (for messages, and for tools that take a root).
    const std::filesystem::path& path() const { return path_; }
    // "/etc/passwd" for this machine's root, "/srv/tree/etc/passwd" for a tree's.
    std::string describe(const std::filesystem::path& path) const;

    // Opens `path` (symlinks followed inside the root); empty, errno set, on failure.
    UniqueFd open(const std::filesystem::path& path, int flags, unsigned mode = 0) const;
    bool exists(const std::filesystem::path& path) const;
    bool is_directory(const std::filesystem::path& path) const;
    // The entry itself, a symlink not followed (the folder holding it is resolved in the root).
    std::optional<struct stat> lstat(const std::filesystem::path& path) const;
    // The names in a folder (sorted); empty when it does not exist.
    std::vector<std::string> list(const std::filesystem::path& folder) const;

    // A regular file of at most `limit` bytes (see read_regular_file): nullopt when absent,
    // Error when it is a FIFO, a device or a folder, or larger than `limit` (the limit for
    // `what`).
    std::optional<std::string> read(const std::filesystem::path& path, std::size_t limit,
                                    std::string_view what) const;

    // The folder at `path`, made (0755) with every missing parent, open (O_RDONLY) for *at()
    // calls. A symlink on the way is followed inside the root; one at `path` itself is refused
    // with `LastLink::refuse` (a folder whose mode and owner are set, such as ~/.ssh).
    enum class LastLink { follow, refuse };
    UniqueFd make_directories(const std::filesystem::path& path,
                              LastLink last = LastLink::follow) const;

    // `path` written whole under a temporary name beside it, renamed on commit (AtomicFile);
    // a symlink at `path` is replaced, never written through.
    std::unique_ptr<AtomicFile> atomic_file(const std::filesystem::path& path, unsigned mode) const;
    void write_atomically(const std::filesystem::path& path, std::string_view content,
                          unsigned mode) const;
    // Removes a file or symlink (never what a symlink points at); absent is fine.
    void remove(const std::filesystem::path& path) const;

    // Throws Error unless `path` is a real folder or absent: a symlink there is refused (through
    // it, another folder would get the mode, the owner and the files meant for this one).
    void check_real_folder(const std::filesystem::path& path) const;

    // The folder that holds `path` (made when missing) and the last name of `path`.
    std::pair<UniqueFd, std::string> parent_of(const std::filesystem::path& path) const;

    // A tool given the root as a prefix (ssh-keygen -A -f ROOT) resolves ROOT/path as this
    // machine does, following the root's symlinks out of it. Throws Error naming `path` unless
    // that reaches the same file as `path` inside the root (or neither exists).
    void check_tools_stay_inside(const std::filesystem::path& path) const;

private:
    std::filesystem::path path_;
    UniqueFd fd_;
};

}  // namespace kiln::firstboot
