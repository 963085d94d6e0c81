#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "export/vmdk_format.hpp"

// Hostile OVAs and VMDKs built byte by byte, so that each test shows the input it feeds to
// kiln verify. Nothing here checks anything: any name, any repeat, any number.
namespace crafted {

// A USTAR member: a regular file, 0644, root:root, mtime 0.
struct TarEntry {
    std::string name;
    std::string data;
};

// The members in order, each padded to 512 bytes, then the two zero end-of-archive blocks.
std::string ustar(const std::vector<TarEntry>& entries);

// A streamOptimized VMDK holding no grains: header (sector 0), descriptor (sector 1), an
// optional grain table (its marker at sector 2), the grain directory with its marker, the
// footer with its marker, the end-of-stream marker. Seven sectors without the table.
struct TinyVmdk {
    kiln::exporter::vmdk::Header header = default_header();
    std::uint64_t extent_sectors = 128;             // what the descriptor's extent line says
    bool with_grain_table = false;                  // all its entries zero (grains absent)
    std::vector<std::uint32_t> directory;           // its first entries (sectors); the rest are 0
    std::optional<std::uint64_t> footer_gd_offset;  // default: where the directory is

    static kiln::exporter::vmdk::Header default_header();  // 1 grain, overhead of 2 sectors
    static constexpr std::uint32_t kGrainTableSector = 3;  // with_grain_table: the table
    std::string bytes() const;
};

// A little-endian 64-bit value written over bytes [at, at + 8).
void put_u64(std::string& bytes, std::size_t at, std::uint64_t value);

// An OVF 1.0 descriptor with everything kiln verify asks for, one disk attached as vmdisk1;
// `files` goes into References and `disks` into DiskSection.
std::string ovf(const std::string& files, const std::string& disks);
std::string file_ref(const std::string& href, const std::string& id, const std::string& size);
// `units`: ovf:capacityAllocationUnits, or none.
std::string disk(const std::string& id, const std::string& file_id, const std::string& capacity,
                 const std::string& units = "");

// node.ovf, node.mf (SHA256 of both), node-disk1.vmdk, then `extra` (outside the manifest).
std::string ova(const std::string& ovf_text, const std::string& vmdk_bytes,
                const std::vector<TarEntry>& extra = {});

}  // namespace crafted
