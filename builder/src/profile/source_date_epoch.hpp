#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kiln/source.hpp"

// The one time a build writes (SOURCE_DATE_EPOCH, reproducible-builds.org): file times in the
// image, /etc/shadow's lastchg, the initramfs, the OVA's tar headers, the bill of materials'
// `created`. A profile's `source_date_epoch` wins over the environment's SOURCE_DATE_EPOCH, so
// that a profile alone decides its bytes; `source_date_epoch: ${epoch}` with --var overrides it.
namespace kiln::profile {

// Lowest: day 1, since shadow's lastchg is epoch / 86400 and 0 there means "change the password
// at the next login" (which also stops SSH key logins through PAM). Highest: what a ustar
// header's 11 octal digits hold (year 2242).
inline constexpr std::int64_t kMinSourceDateEpoch = 86400;
inline constexpr std::int64_t kMaxSourceDateEpoch = 077777777777;
// Neither set: a fixed date, so that two builds of one profile still match. It only has to be
// stable and past kMinSourceDateEpoch; 2024-01-01T00:00:00Z.
inline constexpr std::int64_t kDefaultSourceDateEpoch = 1704067200;

enum class EpochOrigin { profile, environment, fallback };

struct SourceDateEpoch {
    std::int64_t seconds = kDefaultSourceDateEpoch;
    EpochOrigin origin = EpochOrigin::fallback;
};

// `text` as Unix seconds within the bounds above; nullopt when it is not.
std::optional<std::int64_t> parse_source_date_epoch(std::string_view text);

// The environment's SOURCE_DATE_EPOCH; nullopt when unset or empty. A value out of bounds is a
// UsageError naming the variable.
std::optional<std::int64_t> environment_source_date_epoch();

// The profile's value, else the environment's, else kDefaultSourceDateEpoch.
SourceDateEpoch resolve_source_date_epoch(const std::optional<Located<long long>>& profile,
                                          std::optional<std::int64_t> environment);

// "1704067200 (2024-01-01T00:00:00Z, from the profile)", for kiln plan.
std::string describe(const SourceDateEpoch& epoch);

}  // namespace kiln::profile
