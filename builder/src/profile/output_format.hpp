#pragma once

#include <array>

#include "kiln/enum_names.hpp"

namespace kiln::profile {

// What a build writes (a profile's outputs) and what `kiln export` makes of a disk.
enum class OutputFormat { qcow2, vmdk, ova };

constexpr auto name_table(OutputFormat) {
    using enum OutputFormat;
    return std::to_array<EnumName<OutputFormat>>({{qcow2, "qcow2"}, {vmdk, "vmdk"}, {ova, "ova"}});
}

// plan/ calls to_string() on profile values beside its own to_string(Stage), which hides
// kiln::to_string; argument-dependent lookup finds it here.
using kiln::to_string;

}  // namespace kiln::profile
