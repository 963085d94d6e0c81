#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/root_dir.hpp"
#include "validate/member_identity.hpp"

// The stamp: which instance was configured, from which metadata. Written last, after a run
// that succeeded, so a run interrupted anywhere before it simply runs again and converges.
namespace kiln::firstboot {

inline constexpr std::string_view kStampPath = "/var/lib/kiln/stamp.json";
// The cluster units' drop-ins carry ConditionPathExists= on this file.
inline constexpr std::string_view kConfiguredPath = "/var/lib/kiln/configured";
// The stamp is a few hundred bytes; a larger file is not one kiln-firstboot wrote.
inline constexpr std::size_t kMaxStampBytes = 64 * 1024;

struct Stamp {
    std::string instance_id;
    std::string metadata_digest;
    std::string configured_at;  // ISO 8601 UTC
    // Who the node is in its cluster (no secrets): what later boots need for the data disk and
    // the DCS membership. Absent in stamps of older kiln-firstboot versions.
    std::optional<MemberIdentity> member;
};

// nullopt when there is none or it is not a stamp (configure again); throws Error when the file
// is there but is no regular file or too large.
std::optional<Stamp> read_stamp(const RootDir& root);
void write_stamp(const RootDir& root, const Stamp& stamp);

// The marker the cluster units wait for: set after commit, cleared again if starting fails.
void mark_configured(const RootDir& root);
void clear_configured(const RootDir& root);

std::string utc_now();

}  // namespace kiln::firstboot
