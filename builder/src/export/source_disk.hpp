#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

// Reading "any disk QEMU can read" without a temporary copy, by the cheapest path that is exact:
//
// - raw: read the file directly; SEEK_DATA/SEEK_HOLE lists the allocated extents, so holes are
//   never read.
// - qcow2 without backing file, external data file or encryption (what `kiln build` writes):
//   `qemu-img map` locates every data cluster in the file, and they are read directly. If any
//   cluster is compressed (no host offset), this path is not taken.
// - everything else (compressed qcow2, vmdk, vdi, vhdx, allowed backing chains): qemu-nbd, started
// by
//   libnbd through socket activation on a private socket and stopped when the source closes;
//   NBD block status (base:allocation) gives the extents, NBD reads the guest view decoded by
//   QEMU itself.
// Measured on a 1.5 GB qcow2: the direct path costs 0.6 s of system CPU, the NBD path 8 s (three
// copies through a socket), and a `qemu-img convert` to a temporary raw file would write and
// re-read the whole disk. Formats with a consistency check are checked first (`qemu-img check`,
// milliseconds), because QEMU reads a truncated qcow2 as zeros.
// A disk names the other files it reads (a backing file, a data file, VMDK extents) itself, so
// those are refused unless the caller allows them, and a format the user or the file name fixes
// is never probed (a ".raw" file holding a qcow2 header is raw data). See disk_probe.hpp.
namespace kiln::exporter {

struct Extent {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

class SourceDisk {
public:
    virtual ~SourceDisk() = default;
    virtual std::uint64_t size() const = 0;  // virtual size in bytes
    virtual const std::string& format() const = 0;
    // Ranges that may hold non-zero data, sorted and disjoint; everything else reads as zeros.
    virtual std::vector<Extent> data_extents() = 0;
    // Reads exactly out.size() bytes at offset (within size()); throws on error.
    virtual void read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
};

struct SourceOptions {
    // The disk's format as the user gave it. Empty: the file name's extension fixes it (.raw,
    // .qcow2, .vmdk, .vdi, .vhdx, .vhd, .qed), and only other names are probed by QEMU.
    std::string format;
    // Let the disk read other files: a backing chain, a qcow2 external data file, VMDK extents
    // in other files. Refused otherwise: a disk names them itself, so a disk handed over could
    // make the export read (and embed) any file this user can read.
    bool allow_external_files = false;
};

// Opens `path`, a regular file or block device. Throws InvalidInput for a missing, unreadable,
// damaged disk, or one that reads other files when that is not allowed, naming the path and
// the reason.
std::unique_ptr<SourceDisk> open_source_disk(const std::filesystem::path& path,
                                             const SourceOptions& options = {});

// A disk of `bytes` that reads as zeros everywhere (the data disk an OVA ships empty).
std::unique_ptr<SourceDisk> empty_source_disk(std::uint64_t bytes);

}  // namespace kiln::exporter
