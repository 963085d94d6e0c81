#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "plan/operation.hpp"
#include "profile/profile.hpp"

namespace kiln::plan {

// What a plan needs besides the profile: the files a build installs that no profile names.
// `kiln plan` and `kiln build` resolve them the same way (cli/plan_inputs.hpp).
struct PlanInputs {
    std::filesystem::path firstboot_binary{};  // the kiln-firstboot images get; empty: none found
    std::filesystem::path firstboot_unit{};    // its unit; empty: fallback_firstboot_unit()
    // SOURCE_DATE_EPOCH of the environment, used when the profile sets none.
    std::optional<std::int64_t> environment_epoch{};
};

// The ordered operations a build of `profile` runs. Deterministic: the same profile, the same
// overlay contents and the same inputs' contents give the same plan, digests included.
Plan make_plan(const profile::Profile& profile, const PlanInputs& inputs);

// What an output's VMDK identity and OVF descriptor say: `ovf` is an ova's outputs.ova.ovf;
// null gives a vmdk's (every node key a property, the exporter's defaults otherwise).
OvfDescription describe_ovf(const profile::Profile& profile, const profile::Ovf* ovf);

// The unit kiln installs when no kiln-firstboot.service was found (units/ of the source tree).
std::string fallback_firstboot_unit();

// Digest of a folder tree: relative paths, types, permission bits, contents, link targets.
std::string tree_digest(const std::filesystem::path& root);

}  // namespace kiln::plan
