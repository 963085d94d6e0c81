#pragma once

#include <string>

#include "profile/loader.hpp"

namespace kiln::cli {

// Loads a profile for a command that needs a valid one: prints the report (warnings too) to
// stderr and throws InvalidInput when there are errors.
profile::Profile load_profile_or_throw(const std::string& path, const profile::LoadOptions& options,
                                       bool json);

}  // namespace kiln::cli
