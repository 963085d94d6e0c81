#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bake/tools.hpp"

namespace kiln::bake {

// The root filesystem of the system being built, wherever it lives: a folder on the host (a
// bootstrapped tree, changed at native speed) or a disk inside the libguestfs appliance (an
// image base). Every tree operation (overlays, settings, units, sealing, sysprep) is written
// once against this interface. Paths are absolute inside the guest; no operation may reach
// outside it, whatever symlinks the guest holds.
class Root {
public:
    virtual ~Root() = default;

    virtual std::string describe() const = 0;
    virtual bool exists(const std::string& path) = 0;        // without following a final symlink
    virtual bool is_directory(const std::string& path) = 0;  // following symlinks (inside)
    virtual bool is_symlink(const std::string& path) = 0;
    virtual std::optional<std::string> read_file(const std::string& path) = 0;
    // Replaces the file (never writes through a symlink); parents must exist.
    virtual void write_file(const std::string& path, const std::string& content, unsigned mode,
                            unsigned uid, unsigned gid) = 0;
    // Creates the folder if missing (parents too, root-owned 0755); returns true if created.
    virtual bool make_directory(const std::string& path, unsigned mode, unsigned uid,
                                unsigned gid) = 0;
    virtual void symlink(const std::string& target, const std::string& path) = 0;  // replaces
    virtual void remove(const std::string& path) = 0;  // recursively; missing is fine
    virtual std::vector<std::string> list(const std::string& directory) = 0;  // names
    // Runs a program inside the guest (chroot with /proc, /sys, /dev), network as configured.
    virtual ProcessResult run(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env = {},
                              StdoutTo stdout_to = StdoutTo::log) = 0;

    ProcessResult run_checked(const std::vector<std::string>& argv, const std::string& what,
                              const std::vector<std::string>& env = {});
    // Removes everything inside a folder, keeping the folder itself (owner, mode).
    void empty_directory(const std::string& path);
    // Removes the files matching a shell-style name pattern (*, ?) in one folder.
    void remove_matching(const std::string& directory, const std::string& pattern);
};

// `env -i` with the clean environment every command in a guest gets, plus `env`.
std::vector<std::string> guest_command_prefix(const std::vector<std::string>& env);

// Joins guest paths: ("/etc", "a/b") -> "/etc/a/b".
std::string guest_join(const std::string& base, const std::string& relative);

}  // namespace kiln::bake
