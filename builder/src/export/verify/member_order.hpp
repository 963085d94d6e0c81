#pragma once

#include <string>
#include <vector>

#include "export/verify/report.hpp"
#include "export/verify/tar_members.hpp"

// The order VMware reads an OVA in: the .ovf first, then the .mf, then an optional .cert, then
// the files of References in their order.
namespace kiln::exporter::verify_detail {

struct OvaLayout {
    const TarMember* ovf = nullptr;   // the first .ovf member
    const TarMember* mf = nullptr;    // the first .mf member
    const TarMember* cert = nullptr;  // the first .cert member
    int ovf_count = 0;
    std::string order;  // the member names, comma-separated, for messages (the first 16)
};

// `members` must outlive the layout (it points into them).
OvaLayout find_layout(const std::vector<TarMember>& members);

// Faults ("order") for a descriptor, manifest or certificate out of place; true when none.
bool check_member_order(const std::vector<TarMember>& members, const OvaLayout& layout,
                        VerifyReport& report);

}  // namespace kiln::exporter::verify_detail
