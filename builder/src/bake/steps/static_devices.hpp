#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "bake/guest/root.hpp"

// The device nodes of a bootstrapped image's /dev (null, zero, console...: those debootstrap and
// mmdebstrap make, 0666 root:root). A rootless build cannot mknod them in its user namespace, so
// no build keeps them in the tree: mkfs.ext4 -d makes the filesystem without them and debugfs
// adds them, the same nodes at the same inodes whether root or a user built the tree.
namespace kiln::bake {

struct StaticDevice {
    const char* name;  // in /dev
    unsigned major;
    unsigned minor;
};

std::span<const StaticDevice> static_devices();

// Removes them from the tree's /dev (device nodes of a root build, the placeholder files a
// rootless bootstrap bound the host's nodes onto) and gives it the folders and links both
// bootstrap tools make (pts, shm; fd, stdin, stdout, stderr) where missing.
void remove_static_devices(Root& tree);

// debugfs commands that make them in /dev, with every time `epoch`.
std::string static_device_commands(std::int64_t epoch);

// Makes them in the filesystem at `offset` bytes into `image`.
void add_static_devices(const std::filesystem::path& image, std::uint64_t offset,
                        std::int64_t epoch, const std::filesystem::path& work);

}  // namespace kiln::bake
