#pragma once

#include <cstdint>
#include <string>

#include "export/verify/report.hpp"

namespace kiln::exporter {

// The structure of a streamOptimized VMDK stored at [offset, offset + size) of `fd`: header,
// descriptor, footer, end-of-stream marker, grain directory and tables, and every grain
// (its marker, its LBA, and that it inflates to a whole grain). Findings go to `report`.
struct VmdkFacts {
    std::uint64_t capacity = 0;  // bytes
    std::uint64_t grains = 0;
};
VmdkFacts check_stream_vmdk(int fd, std::uint64_t offset, std::uint64_t size,
                            const std::string& name, VerifyReport& report);

}  // namespace kiln::exporter
