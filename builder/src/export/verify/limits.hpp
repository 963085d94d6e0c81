#pragma once

#include <cstddef>
#include <cstdint>

#include "export/vmdk_format.hpp"

// What kiln verify reads at most of an OVA or a VMDK, so that no input makes it hold more than
// a few MiB beyond these, or print more than a few hundred findings. Each fault a limit causes
// names the limit. The largest capacity, of a VMDK or an OVF Disk, is vmdk::kMaxCapacityBytes.
namespace kiln::exporter::verify_detail {

inline constexpr std::size_t kMaxMembers = 1024;                 // tar members of an OVA
inline constexpr std::uint64_t kMaxOvfBytes = 16u << 20;         // the .ovf, parsed whole
inline constexpr std::uint64_t kMaxManifestBytes = 1u << 20;     // the .mf
inline constexpr std::uint64_t kMaxCertificateBytes = 1u << 20;  // the .cert
inline constexpr std::uint64_t kMaxDescriptorBytes = 1u << 20;   // a VMDK's embedded descriptor
// One compressed grain: deflate's worst case for 64 KiB is a few bytes more than 64 KiB.
inline constexpr std::uint64_t kMaxCompressedGrainBytes = 2 * vmdk::kGrainBytes;
inline constexpr std::size_t kMaxFindingsPerCheck = 100;  // more are counted, not listed

}  // namespace kiln::exporter::verify_detail
