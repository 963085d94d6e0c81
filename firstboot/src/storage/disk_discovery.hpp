#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Finding the node's data disk. Once formatted, it is found by its filesystem label, which
// travels with the disk: the same disk attached to a new OS disk (re-imaging), on another
// controller (virtio here, pvscsi or LSI Logic on vSphere), is still found. Before that, it is the
// one whole disk that holds nothing mounted: the OS disk holds the root filesystem.
namespace kiln::firstboot {

struct BlockDisk {
    std::string name;              // "vdb", "sdb"
    std::filesystem::path device;  // "/dev/vdb"
    std::uint64_t bytes = 0;
};

// Whole disks that could be a data disk: real (not loop, ram, zram, optical, device-mapper, md
// or nbd), writable, not removable, not empty, and holding no mounted filesystem, no swap and
// nothing stacked on top (LVM, RAID). `sys_block` is /sys/block; `mountinfo` and `swaps` are the
// texts of /proc/self/mountinfo and /proc/swaps.
std::vector<BlockDisk> candidate_data_disks(const std::filesystem::path& sys_block,
                                            const std::string& mountinfo, const std::string& swaps);

// The "major:minor" of every mounted block device in a mountinfo text.
std::vector<std::string> mounted_device_numbers(const std::string& mountinfo);

// The device a filesystem label points at (/dev/disk/by-label/LABEL below `root`), if any.
std::optional<std::filesystem::path> device_by_label(const std::filesystem::path& root,
                                                     const std::string& label);

}  // namespace kiln::firstboot
