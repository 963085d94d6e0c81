#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>

#include "bake/guest/root.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::bake {

// A guest root that is a folder on the build host. Every path is resolved inside it
// (kiln::open_in_root), so an absolute symlink inside the tree (/etc/foo -> /usr/...) points back
// into the tree and nothing can land on the host. Commands run chrooted, with /proc, /sys and
// /dev mounted in a private mount namespace that dies with the command.
class NativeRoot final : public Root {
public:
    explicit NativeRoot(std::filesystem::path directory);

    const std::filesystem::path& directory() const { return directory_; }
    std::string describe() const override { return "the tree " + directory_.string(); }
    bool exists(const std::string& path) override;
    bool is_directory(const std::string& path) override;
    bool is_symlink(const std::string& path) override;
    std::optional<std::string> read_file(const std::string& path) override;
    void write_file(const std::string& path, const std::string& content, unsigned mode,
                    unsigned uid, unsigned gid) override;
    bool make_directory(const std::string& path, unsigned mode, unsigned uid,
                        unsigned gid) override;
    void symlink(const std::string& target, const std::string& path) override;
    void remove(const std::string& path) override;
    std::vector<std::string> list(const std::string& directory) override;
    ProcessResult run(const std::vector<std::string>& argv,
                      const std::vector<std::string>& env = {},
                      StdoutTo stdout_to = StdoutTo::log) override;

    // Opens a path inside the root (symlinks resolved inside it); empty, errno set, on failure.
    UniqueFd open_inside(const std::string& path, int flags, unsigned mode = 0) const;

private:
    std::optional<struct stat> lstat_inside(const std::string& path) const;
    // The folder holding `path` (opened O_PATH, resolved inside the root) and the last name.
    std::pair<UniqueFd, std::string> open_parent(const std::string& path) const;
    // The folder holding `path`, opened for *at() calls that create or remove, and the last name.
    std::pair<UniqueFd, std::string> open_parent_folder(const std::string& path) const;

    std::filesystem::path directory_;
    UniqueFd root_fd_;
};

}  // namespace kiln::bake
