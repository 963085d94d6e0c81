#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "export/verify/member_order.hpp"
#include "export/verify/report.hpp"
#include "export/verify/tar_members.hpp"

// The OVF descriptor: well-formed OVF 1.x with what vSphere needs (References, DiskSection,
// NetworkSection, a VirtualSystem with the guestinfo transport), and its References against the
// members of the OVA.
namespace kiln::exporter::verify_detail {

struct OvfFacts {
    // href, size in References order; a second File of one href or id is a fault, left out
    std::vector<std::pair<std::string, std::uint64_t>> files;
    std::map<std::string, std::uint64_t> disk_capacity;  // href -> capacity bytes
    std::size_t empty_disks = 0;  // Disks with a capacity and no file: created at deploy
};

// Faults ("ovf") for the descriptor `text` of member `name`; the files and disks it declares.
OvfFacts check_ovf(const std::string& text, const std::string& name, VerifyReport& report);

// Each file of References is a member of that size, in References order after the descriptor,
// manifest and certificate. Faults ("ovf", "order"); false when a member is out of order.
bool check_ovf_references(const std::vector<TarMember>& members, const OvaLayout& layout,
                          const OvfFacts& facts, VerifyReport& report);

}  // namespace kiln::exporter::verify_detail
