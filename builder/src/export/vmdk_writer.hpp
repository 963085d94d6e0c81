#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "export/digest.hpp"
#include "export/source_disk.hpp"

namespace kiln::exporter {

// libdeflate level 4: on OS images, about 1% larger than zlib level 6 (what qemu-img writes) at
// a fraction of its CPU time; levels 1-3 trade more size, 5-12 more time.
inline constexpr int kDefaultLevel = 4;

struct VmdkOptions {
    unsigned threads = 0;       // compression workers; 0: one per core
    int level = kDefaultLevel;  // libdeflate level, 1-12
    std::string extent_file;    // file name recorded in the descriptor
    std::string adapter = "lsilogic";
    std::string identity;  // seeds CID and longContentID (deterministic, no clock)
    bool sha1 = false;     // also compute SHA-1 of the output
    // Called from the writing thread: source bytes covered so far, and the total.
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct VmdkResult {
    std::uint64_t bytes = 0;       // size of the VMDK file
    std::uint64_t capacity = 0;    // virtual size in bytes
    std::uint64_t data_bytes = 0;  // allocated source bytes read
    std::uint64_t populated = 0;   // bytes of the non-zero grains written
    std::uint64_t grains = 0;      // grains written
    std::string sha256;
    std::string sha1;  // empty unless requested
    double seconds = 0;
};

// Streams `source` as a streamOptimized VMDK to `fd` (written sequentially from its current
// position, never sought): grains are read in order from the allocated extents only, compressed
// by a pool of workers, and written in order, so the bytes do not depend on `threads`.
// Memory is bounded by a fixed ring of 1 MiB chunks (2 per worker + 2).
VmdkResult write_stream_vmdk(SourceDisk& source, int fd, const VmdkOptions& options);

}  // namespace kiln::exporter
