#include "export/vmdk_format.hpp"

#include <cstring>
#include <sstream>

namespace kiln::exporter::vmdk {

namespace {

// Little-endian fields at fixed offsets, independent of the host's byte order and of packing.
template <class T>
void put(std::uint8_t* out, std::size_t offset, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i)
        out[offset + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i));
}

template <class T>
T get(const std::uint8_t* in, std::size_t offset) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value |= static_cast<std::uint64_t>(in[offset + i]) << (8 * i);
    return static_cast<T>(value);
}

// SparseExtentHeader layout (packed): see the VMware Virtual Disk Format 5.0 technical note.
enum Offset : std::size_t {
    kMagicAt = 0,
    kVersionAt = 4,
    kFlagsAt = 8,
    kCapacityAt = 12,
    kGrainSizeAt = 20,
    kDescriptorOffsetAt = 28,
    kDescriptorSizeAt = 36,
    kGtesAt = 44,
    kRgdAt = 48,
    kGdAt = 56,
    kOverheadAt = 64,
    kUncleanAt = 72,
    kNewlineAt = 73,
    kCompressAt = 77,
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string unquote(std::string_view s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return std::string(s);
}

}  // namespace

Sector encode_header(const Header& h) {
    Sector out{};
    std::uint8_t* p = out.data();
    put(p, kMagicAt, h.magic);
    put(p, kVersionAt, h.version);
    put(p, kFlagsAt, h.flags);
    put(p, kCapacityAt, h.capacity);
    put(p, kGrainSizeAt, h.grain_size);
    put(p, kDescriptorOffsetAt, h.descriptor_offset);
    put(p, kDescriptorSizeAt, h.descriptor_size);
    put(p, kGtesAt, h.gtes_per_gt);
    put(p, kRgdAt, h.rgd_offset);
    put(p, kGdAt, h.gd_offset);
    put(p, kOverheadAt, h.overhead);
    put(p, kUncleanAt, h.unclean_shutdown);
    std::memcpy(p + kNewlineAt, h.newline_chars.data(), 4);
    put(p, kCompressAt, h.compress_algorithm);
    return out;
}

Header decode_header(std::span<const std::uint8_t> bytes) {
    const std::uint8_t* p = bytes.data();
    Header h;
    h.magic = get<std::uint32_t>(p, kMagicAt);
    h.version = get<std::uint32_t>(p, kVersionAt);
    h.flags = get<std::uint32_t>(p, kFlagsAt);
    h.capacity = get<std::uint64_t>(p, kCapacityAt);
    h.grain_size = get<std::uint64_t>(p, kGrainSizeAt);
    h.descriptor_offset = get<std::uint64_t>(p, kDescriptorOffsetAt);
    h.descriptor_size = get<std::uint64_t>(p, kDescriptorSizeAt);
    h.gtes_per_gt = get<std::uint32_t>(p, kGtesAt);
    h.rgd_offset = get<std::uint64_t>(p, kRgdAt);
    h.gd_offset = get<std::uint64_t>(p, kGdAt);
    h.overhead = get<std::uint64_t>(p, kOverheadAt);
    h.unclean_shutdown = p[kUncleanAt];
    std::memcpy(h.newline_chars.data(), p + kNewlineAt, 4);
    h.compress_algorithm = get<std::uint16_t>(p, kCompressAt);
    return h;
}

std::optional<std::string> check_stream_header(const Header& h) {
    if (h.magic != kMagic) return "not a VMDK sparse extent (bad magic)";
    if (h.version != kVersion)
        return "header version " + std::to_string(h.version) + ", streamOptimized needs 3";
    if ((h.flags & (kFlagCompressed | kFlagMarkers)) != (kFlagCompressed | kFlagMarkers))
        return "flags do not mark compressed grains with markers";
    if (h.compress_algorithm != kCompressDeflate) return "compression algorithm is not deflate";
    if (h.grain_size != kGrainSectors)
        return "grain size " + std::to_string(h.grain_size) + " sectors, expected 128 (64 KiB)";
    if (h.gtes_per_gt != kGtesPerGt)
        return "grain tables of " + std::to_string(h.gtes_per_gt) + " entries, expected 512";
    if ((h.flags & kFlagNewlineTest) &&
        h.newline_chars != std::array<char, 4>{'\n', ' ', '\r', '\n'})
        return "newline detection characters are damaged (the file went through a text conversion)";
    if (h.capacity == 0) return "capacity is zero";
    if (h.capacity > kMaxCapacityBytes / kSector)
        return "capacity of " + std::to_string(h.capacity) + " sectors is more than 64 TiB";
    if (h.descriptor_offset == 0 || h.descriptor_size == 0) return "no embedded descriptor";
    if (h.descriptor_offset > h.overhead || h.descriptor_size > h.overhead - h.descriptor_offset)
        return "the descriptor overlaps the first grain";
    return std::nullopt;
}

Sector encode_marker(std::uint64_t sectors_following, MarkerType type) {
    Sector out{};
    put(out.data(), 0, sectors_following);
    put(out.data(), 8, std::uint32_t{0});
    put(out.data(), 12, static_cast<std::uint32_t>(type));
    return out;
}

Marker decode_marker(std::span<const std::uint8_t> bytes) {
    return Marker{get<std::uint64_t>(bytes.data(), 0), get<std::uint32_t>(bytes.data(), 8),
                  get<std::uint32_t>(bytes.data(), 12)};
}

std::uint64_t grain_count(std::uint64_t capacity_bytes) {
    return (capacity_bytes + kGrainBytes - 1) / kGrainBytes;
}

std::uint64_t grain_table_count(std::uint64_t capacity_bytes) {
    return (grain_count(capacity_bytes) + kGtesPerGt - 1) / kGtesPerGt;
}

std::uint64_t directory_sectors(std::uint64_t grain_tables) {
    return (grain_tables * 4 + kSector - 1) / kSector;
}

Geometry geometry(std::uint64_t capacity_sectors, std::string_view adapter) {
    Geometry g{0, adapter == "ide" ? 16u : 255u, 63u};
    std::uint64_t per_cylinder = std::uint64_t{g.heads} * g.sectors;
    g.cylinders = (capacity_sectors + per_cylinder - 1) / per_cylinder;
    if (g.cylinders > 65535) g.cylinders = 65535;
    if (adapter == "ide" && g.cylinders > 16383) g.cylinders = 16383;
    return g;
}

std::string make_descriptor(const DescriptorInfo& info) {
    Geometry g = geometry(info.capacity_sectors, info.adapter);
    char cid[16];
    std::snprintf(cid, sizeof cid, "%08x", info.cid);
    std::ostringstream out;
    out << "# Disk DescriptorFile\n"
        << "version=1\n"
        << "encoding=\"UTF-8\"\n"
        << "CID=" << cid << "\n"
        << "parentCID=ffffffff\n"
        << "createType=\"streamOptimized\"\n"
        << "\n"
        << "# Extent description\n"
        << "RW " << info.capacity_sectors << " SPARSE \"" << info.extent_file << "\"\n"
        << "\n"
        << "# The Disk Data Base\n"
        << "#DDB\n"
        << "\n"
        << "ddb.adapterType = \"" << info.adapter << "\"\n"
        << "ddb.geometry.cylinders = \"" << g.cylinders << "\"\n"
        << "ddb.geometry.heads = \"" << g.heads << "\"\n"
        << "ddb.geometry.sectors = \"" << g.sectors << "\"\n"
        << "ddb.longContentID = \"" << info.long_content_id << "\"\n"
        << "ddb.toolsInstallType = \"4\"\n"
        << "ddb.toolsVersion = \"2147483647\"\n"
        << "ddb.virtualHWVersion = \"4\"\n";
    return out.str();
}

std::optional<ParsedDescriptor> parse_descriptor(std::string_view text, std::string* problem) {
    auto fail = [&](std::string message) -> std::optional<ParsedDescriptor> {
        if (problem) *problem = std::move(message);
        return std::nullopt;
    };
    if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
    if (text.rfind("# Disk DescriptorFile", 0) != 0)
        return fail("descriptor does not start with '# Disk DescriptorFile'");
    ParsedDescriptor d;
    int extents = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = trim(text.substr(start, end - start));
        start = end + 1;
        if (line.empty() || line.front() == '#') continue;
        if (line.rfind("RW ", 0) == 0 || line.rfind("RDONLY ", 0) == 0) {
            std::istringstream in{std::string(line)};
            std::string access;
            in >> access >> d.extent_sectors >> d.extent_kind;
            if (!in) return fail("malformed extent line '" + std::string(line) + "'");
            ++extents;
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return fail("malformed descriptor line '" + std::string(line) + "'");
        std::string_view key = trim(line.substr(0, eq));
        std::string value = unquote(line.substr(eq + 1));
        if (key == "createType")
            d.create_type = value;
        else if (key == "ddb.adapterType")
            d.adapter = value;
    }
    if (extents != 1)
        return fail("descriptor names " + std::to_string(extents) + " extents, expected 1");
    return d;
}

}  // namespace kiln::exporter::vmdk
