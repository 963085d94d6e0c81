#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// The times a root filesystem made from a tree carries, made the same in every build
// (reproducible builds): mkfs.ext4 -d copies each file's atime, mtime and ctime from the tree
// (e2fsprogs 1.47.0's set_inode_extra), and the build writes files at the time it runs.
namespace kiln::bake {

// Sets every atime and mtime in `tree` (the tree itself included, symlinks not followed) that is
// later than `epoch` to `epoch`; older ones (a package's own file dates) stay. Returns how many
// entries it changed. Nothing may read the tree's folders afterwards but mkfs.ext4, which takes
// each entry's times before it reads it.
std::size_t clamp_tree_times(const std::filesystem::path& tree, std::int64_t epoch);

// The inodes the tree filled, from `dumpe2fs` output: those in use per group's "Free inodes",
// the root directory (2) and every one from the first non-reserved inode on.
std::vector<std::uint32_t> populated_inodes(std::string_view dumpe2fs_output);

// debugfs commands that set each inode's ctime to `epoch`.
std::string ctime_commands(const std::vector<std::uint32_t>& inodes, std::int64_t epoch);

// A ctime is the time the host last changed the tree's inode, which no call can set: the
// filesystem at `offset` bytes into `image` gets `epoch` as the ctime of every populated inode
// (dumpe2fs finds them, debugfs sets them). Returns how many inodes it set.
std::size_t set_inode_ctimes(const std::filesystem::path& image, std::uint64_t offset,
                             std::int64_t epoch, const std::filesystem::path& work);

}  // namespace kiln::bake
