#include "profile/source_date_epoch.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "kiln/error.hpp"
#include "kiln/grammar.hpp"

namespace kiln::profile {

std::optional<std::int64_t> parse_source_date_epoch(std::string_view text) {
    auto value = grammar::parse_integer(text);
    if (!value || *value < kMinSourceDateEpoch || *value > kMaxSourceDateEpoch) return std::nullopt;
    return *value;
}

std::optional<std::int64_t> environment_source_date_epoch() {
    const char* text = std::getenv("SOURCE_DATE_EPOCH");
    if (!text || !*text) return std::nullopt;
    if (auto value = parse_source_date_epoch(text)) return value;
    throw UsageError(
        fmt::format("SOURCE_DATE_EPOCH='{}' is not a Unix time in seconds from {} to {}", text,
                    kMinSourceDateEpoch, kMaxSourceDateEpoch));
}

SourceDateEpoch resolve_source_date_epoch(const std::optional<Located<long long>>& profile,
                                          std::optional<std::int64_t> environment) {
    if (profile) return {profile->value, EpochOrigin::profile};
    if (environment) return {*environment, EpochOrigin::environment};
    return {};
}

std::string describe(const SourceDateEpoch& epoch) {
    const char* origin = epoch.origin == EpochOrigin::profile       ? "from the profile"
                         : epoch.origin == EpochOrigin::environment ? "from SOURCE_DATE_EPOCH"
                                                                    : "kiln's default";
    return fmt::format("{} ({:%Y-%m-%dT%H:%M:%SZ}, {})", epoch.seconds,
                       fmt::gmtime(static_cast<std::time_t>(epoch.seconds)), origin);
}

}  // namespace kiln::profile
