#pragma once

#include <filesystem>

#include "bake/build_record.hpp"

namespace kiln::bake {

// Writes a vmdk or ova output of the built disk to `staged` (a temporary name the build renames
// at the end) through the export code.
OutputRecord export_output(const profile::Profile& profile, const profile::Output& output,
                           const std::filesystem::path& disk, const std::filesystem::path& staged);

}  // namespace kiln::bake
