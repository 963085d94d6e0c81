#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "export/verify/input_file.hpp"

// The grains of a streamOptimized VMDK: the walk a streaming importer does, marker after marker
// from the first grain to the end-of-stream marker, and the grain tables checked against what
// the walk found. What it holds follows the file (a record per grain found, the directory),
// never the capacity the header claims.
namespace kiln::exporter::verify_detail {

// How many faults of one kind, and the first, which a report quotes.
struct FaultTally {
    std::size_t count = 0;
    std::string first;
    void add(std::string what) {
        if (count++ == 0) first = std::move(what);
    }
};

struct GrainLayout {
    std::uint64_t capacity = 0;     // bytes, at most vmdk::kMaxCapacityBytes
    std::uint64_t first_grain = 0;  // byte where the walk starts (the header's overhead)
    std::uint64_t end_of_data = 0;  // byte where the footer starts, else the end of the file
    bool table_markers = false;     // the GD_AT_END layout: each grain table follows its marker
    std::vector<std::uint32_t> directory;  // sector of each grain table, 0 where it is absent
};

struct GrainFindings {
    std::uint64_t grains = 0;            // grain markers with an LBA inside the disk
    bool ended = false;                  // the walk reached an end-of-stream marker
    std::uint64_t end = 0;               // the byte after the walk
    std::optional<std::string> stopped;  // a metadata marker the walk cannot pass
    FaultTally tables;                   // tables outside the data, without marker, shared
    FaultTally grain_faults;
};

GrainFindings check_grains(FileWindow& window, const GrainLayout& layout);

}  // namespace kiln::exporter::verify_detail
