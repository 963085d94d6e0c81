#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "export/verify/input_file.hpp"
#include "export/verify/report.hpp"

// The USTAR structure of an OVA: its members, read header by header, and what VMware needs of
// each (a regular file with a flat name).
namespace kiln::exporter::verify_detail {

struct TarMember {
    std::string name;
    std::uint64_t header = 0;  // offset of its header block
    std::uint64_t data = 0;    // offset of its data
    std::uint64_t size = 0;
    char type = '0';
    std::uint64_t uid = 0, gid = 0;
};

// Every member up to the end-of-archive blocks; faults ("tar") for a damaged or truncated
// archive, or one of more than kMaxMembers, which end the walk with no members.
std::vector<TarMember> read_tar_members(const InputFile& file, VerifyReport& report);

// The data of a text member (the descriptor, manifest, certificate) read whole, or nullopt and
// a fault (`check`) when it is larger than `limit`.
std::optional<std::string> read_member_text(int fd, const TarMember& member, std::uint64_t limit,
                                            const std::string& check, VerifyReport& report);

// The first member named `name`, or nullptr.
const TarMember* find_member(const std::vector<TarMember>& members, const std::string& name);

// Each member is a regular file with a flat name that no other member has, owned by 0:0 (a
// warning otherwise).
void check_ustar_members(const std::vector<TarMember>& members, VerifyReport& report);

}  // namespace kiln::exporter::verify_detail
