#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// The on-disk structures of a streamOptimized VMDK (VMware Virtual Disk Format 5.0, "Stream-
// Optimized Compressed Sparse Extents"): a 512-byte sparse header, the embedded descriptor, then
// markers: compressed grains, grain tables, the grain directory, a footer (a copy of the header
// that carries the directory's offset) and the end-of-stream marker.
namespace kiln::exporter::vmdk {

inline constexpr std::uint64_t kSector = 512;
inline constexpr std::uint32_t kMagic = 0x564d444b;  // "KDMV" on disk
inline constexpr std::uint32_t kVersion = 3;         // ESXi rejects streamOptimized below 3
inline constexpr std::uint32_t kFlagNewlineTest = 1u << 0;
inline constexpr std::uint32_t kFlagCompressed = 1u << 16;
inline constexpr std::uint32_t kFlagMarkers = 1u << 17;
inline constexpr std::uint32_t kStreamFlags = kFlagNewlineTest | kFlagCompressed | kFlagMarkers;
inline constexpr std::uint64_t kGrainSectors = 128;  // 64 KiB grains
inline constexpr std::uint64_t kGrainBytes = kGrainSectors * kSector;
inline constexpr std::uint32_t kGtesPerGt = 512;
inline constexpr std::uint64_t kGtSectors = kGtesPerGt * 4 / kSector;        // 4
inline constexpr std::uint64_t kGtCoverageBytes = kGrainBytes * kGtesPerGt;  // 32 MiB
inline constexpr std::uint64_t kGdAtEnd = ~std::uint64_t{0};
inline constexpr std::uint16_t kCompressDeflate = 1;
inline constexpr std::uint64_t kDescriptorOffset = 1;  // sectors
inline constexpr std::uint64_t kDescriptorSectors = 20;
inline constexpr std::uint64_t kOverheadSectors = 128;  // the first grain starts at 64 KiB
inline constexpr std::size_t kGrainMarkerBytes = 12;    // lba (u64) + compressed size (u32)
// The largest capacity kiln verify accepts: 64 TiB, above VMware's largest virtual disk (62 TB).
// Every count derived from it (bytes, grains, tables) stays far inside 64 bits, and the grain
// directory of such a disk is 8 MiB.
inline constexpr std::uint64_t kMaxCapacityBytes = 64ULL << 40;

enum class MarkerType : std::uint32_t {
    end_of_stream = 0,
    grain_table = 1,
    grain_directory = 2,
    footer = 3
};

struct Header {
    std::uint32_t magic = kMagic;
    std::uint32_t version = kVersion;
    std::uint32_t flags = kStreamFlags;
    std::uint64_t capacity = 0;  // sectors
    std::uint64_t grain_size = kGrainSectors;
    std::uint64_t descriptor_offset = kDescriptorOffset;
    std::uint64_t descriptor_size = kDescriptorSectors;
    std::uint32_t gtes_per_gt = kGtesPerGt;
    std::uint64_t rgd_offset = 0;
    std::uint64_t gd_offset = kGdAtEnd;
    std::uint64_t overhead = kOverheadSectors;
    std::uint8_t unclean_shutdown = 0;
    std::array<char, 4> newline_chars = {'\n', ' ', '\r', '\n'};
    std::uint16_t compress_algorithm = kCompressDeflate;

    bool operator==(const Header&) const = default;
};

using Sector = std::array<std::uint8_t, kSector>;

Sector encode_header(const Header& header);
Header decode_header(std::span<const std::uint8_t> bytes);  // at least 512 bytes
// Explains what makes `header` unusable as a streamOptimized header, or nullopt.
std::optional<std::string> check_stream_header(const Header& header);

// A metadata marker sector (grain table, directory, footer, end of stream).
Sector encode_marker(std::uint64_t sectors_following, MarkerType type);

struct Marker {
    std::uint64_t value = 0;  // grain: its LBA in sectors; metadata: sectors that follow
    std::uint32_t size = 0;   // grain: compressed bytes; metadata: 0
    std::uint32_t type = 0;   // metadata only
    bool is_grain() const { return size != 0; }
};
Marker decode_marker(std::span<const std::uint8_t> bytes);  // at least 16 bytes

// Grains and tables a disk of `capacity_bytes` needs.
std::uint64_t grain_count(std::uint64_t capacity_bytes);
std::uint64_t grain_table_count(std::uint64_t capacity_bytes);
std::uint64_t directory_sectors(std::uint64_t grain_tables);

struct Geometry {
    std::uint64_t cylinders;
    std::uint32_t heads;
    std::uint32_t sectors;
};
// BIOS geometry as VMware records it: 255 heads, 63 sectors (16 heads for IDE).
Geometry geometry(std::uint64_t capacity_sectors, std::string_view adapter);

struct DescriptorInfo {
    std::uint64_t capacity_sectors = 0;
    std::string extent_file;
    std::string adapter = "lsilogic";
    std::uint32_t cid = 0;
    std::string long_content_id;  // 32 hex digits
};
std::string make_descriptor(const DescriptorInfo& info);

// The fields `kiln verify` checks in a descriptor.
struct ParsedDescriptor {
    std::string create_type;
    std::uint64_t extent_sectors = 0;
    std::string extent_kind;  // SPARSE
    std::string adapter;
};
std::optional<ParsedDescriptor> parse_descriptor(std::string_view text, std::string* problem);

}  // namespace kiln::exporter::vmdk
