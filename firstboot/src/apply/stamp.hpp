#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "validate/member_identity.hpp"

// The stamp: which instance was configured, from which metadata. Written last, after a run
// that succeeded, so a run interrupted anywhere before it simply runs again and converges.
namespace kiln::firstboot {

inline constexpr std::string_view kStampPath = "/var/lib/kiln/stamp.json";
// The cluster units' drop-ins carry ConditionPathExists= on this file.
inline constexpr std::string_view kConfiguredPath = "/var/lib/kiln/configured";

struct Stamp {
    std::string instance_id;
    std::string metadata_digest;
    std::string configured_at;  // ISO 8601 UTC
    // Who the node is in its cluster (no secrets): what later boots need for the data disk and
    // the DCS membership. Absent in stamps of older kiln-firstboot versions.
    std::optional<MemberIdentity> member;
};

std::optional<Stamp> read_stamp(const std::filesystem::path& root);
void write_stamp(const std::filesystem::path& root, const Stamp& stamp);

// The marker the cluster units wait for: set after commit, cleared again if starting fails.
void mark_configured(const std::filesystem::path& root);
void clear_configured(const std::filesystem::path& root);

std::string utc_now();

}  // namespace kiln::firstboot
