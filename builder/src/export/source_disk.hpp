#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

// Reading "any disk QEMU can read" without a temporary copy.
//
// Raw files are read directly: SEEK_DATA/SEEK_HOLE lists the allocated extents and pread reads
// them, so holes are never read and no other process is involved. Every other format (qcow2,
// vmdk, vdi, vhdx, backing chains, compressed clusters) is served by qemu-nbd, started by
// libnbd through socket activation on a private socket and stopped when the source is closed:
// NBD block status (base:allocation) gives the allocated extents and NBD reads give the guest
// view, decoded by QEMU itself. That beats `qemu-img map` + reading the file (which breaks on
// compressed clusters, backing files and encryption) and a `qemu-img convert` to a temp raw
// file (which writes and re-reads the whole disk).
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

// Opens `path`; `format` empty means detect with `qemu-img info`. Throws InvalidInput for a
// missing, unreadable or damaged disk, naming the path and QEMU's reason.
std::unique_ptr<SourceDisk> open_source_disk(const std::filesystem::path& path,
                                             const std::string& format = {});

}  // namespace kiln::exporter
