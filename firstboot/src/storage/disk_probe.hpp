#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

// Whether a disk may be formatted: only when it is entirely blank. A disk that holds anything (a
// partition table, a filesystem or RAID/LVM signature, or any non-zero byte where those live) is
// never formatted; the description says what was found so the error can name it.
namespace kiln::firstboot {

// How much of the disk must be zeros: the first MiBs hold every partition table and nearly every
// signature; the last MiB holds a GPT backup header and old-style RAID superblocks.
inline constexpr std::uint64_t kBlankHeadBytes = 4ull << 20;
inline constexpr std::uint64_t kBlankTailBytes = 1ull << 20;

struct DiskContents {
    bool blank = false;
    // When not blank: "an ext4 filesystem labelled 'kiln-data'", "a gpt partition table",
    // "non-zero data at byte 4096".
    std::string description;
};

// Reads the disk (a block device, or a regular file in tests); throws SystemError when it cannot
// be read.
DiskContents probe_disk(const std::filesystem::path& device);

// The filesystem type on a device ("ext4", "xfs"), empty when none is recognised.
std::string filesystem_type(const std::filesystem::path& device);

}  // namespace kiln::firstboot
