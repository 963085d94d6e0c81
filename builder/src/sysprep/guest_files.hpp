#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kiln {

// The files of the system being built, wherever they live (a folder on the host, a disk in the
// libguestfs appliance). Paths are absolute inside the guest; no implementation may reach
// outside it, whatever symlinks the guest holds. Below the build (kiln_bake) so that the sysprep
// table, which the profile and the plan read too, can say what each operation does.
class GuestFiles {
public:
    virtual ~GuestFiles() = default;

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

    // Removes everything inside a folder, keeping the folder itself (owner, mode).
    void empty_directory(const std::string& path);
    // Removes the files matching a shell-style name pattern (*, ?) in one folder.
    void remove_matching(const std::string& directory, const std::string& pattern);
};

// Joins guest paths: ("/etc", "a/b") -> "/etc/a/b".
std::string guest_join(const std::string& base, const std::string& relative);

}  // namespace kiln
