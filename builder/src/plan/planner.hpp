#pragma once

#include <filesystem>
#include <string>

#include "plan/operation.hpp"
#include "profile/profile.hpp"

namespace kiln::plan {

// The ordered operations a build of `profile` runs. Deterministic: the same profile and the
// same overlay contents give the same plan, digests included.
Plan make_plan(const profile::Profile& profile);

// Digest of a folder tree: relative paths, types, permission bits, contents, link targets.
std::string tree_digest(const std::filesystem::path& root);

}  // namespace kiln::plan
