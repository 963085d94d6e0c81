#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

// Changes to a root filesystem image that no call on the tree can make (ctimes, device nodes in a
// rootless build), written with e2fsprogs' debugfs.
namespace kiln::bake {

// "IMAGE?offset=N": e2fsprogs' unix I/O manager reads it as the filesystem at that offset.
std::string filesystem_at(const std::filesystem::path& image, std::uint64_t offset);

// Runs `commands` (one debugfs command a line) with debugfs -w on `device`, the superblock's write
// time being `epoch`; throws Error naming `what` when a command fails.
void run_debugfs(const std::string& device, const std::string& commands,
                 const std::filesystem::path& work, std::int64_t epoch, const std::string& what);

}  // namespace kiln::bake
