#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// What QEMU says about a disk file before kiln export reads it: its format, size, the other
// files it would read, its consistency, where a qcow2's clusters are. Every QEMU call is given
// qemu_file_name(path); messages name the path as the user gave it.
namespace kiln::exporter {

// `qemu-img info` reads only headers; it waits only on a file that blocks (a FIFO an image
// names as its backing file or extent).
inline constexpr std::chrono::seconds kProbeTimeout{30};

// The name to give QEMU for a file: absolute, so that QEMU never takes a name such as
// "json:{...}" or "nbd:..." for options or a protocol.
std::string qemu_file_name(const std::filesystem::path& path);

// The format a file name fixes by its extension (.raw, .qcow2, .vmdk, .vdi, .vhdx, .vhd, .qed),
// or "" for a name QEMU has to probe (.img is raw or qcow2 alike).
std::string format_from_name(const std::filesystem::path& path);

// A VMDK that is a text descriptor, its data in the extent files it names (QEMU opens those
// files as soon as it opens the descriptor), rather than a sparse extent with its own header.
bool is_vmdk_descriptor_file(const std::filesystem::path& path);

struct ImageInfo {
    std::string format;
    std::uint64_t virtual_size = 0;
    // Other files QEMU reads for this disk, each described ("backing file '/x'"), escaped.
    std::vector<std::string> external_files;
    bool encrypted = false;
    bool self_contained() const { return external_files.empty() && !encrypted; }
};

// `qemu-img info`, with -f `format` unless it is empty (then QEMU probes). Throws InvalidInput
// when QEMU cannot read the disk or marks it corrupt.
ImageInfo probe(const std::filesystem::path& path, const std::string& format);

// QEMU reads past a truncated qcow2 as zeros, so check the metadata first (milliseconds: only
// tables are read). Leaked clusters are harmless; corruption is refused (InvalidInput).
void check_consistency(const std::filesystem::path& path, const std::string& format);

// Where a guest range lives in the image file.
struct Mapped {
    std::uint64_t guest = 0;
    std::uint64_t length = 0;
    std::uint64_t host = 0;
};

// The data clusters of a self-contained qcow2, or nullopt when any data needs QEMU to decode it
// (compressed clusters have no offset) or comes from elsewhere (depth > 0).
std::optional<std::vector<Mapped>> map_clusters(const std::filesystem::path& path);

}  // namespace kiln::exporter
