#pragma once

#include <filesystem>

#include "export/exporter.hpp"
#include "profile/profile.hpp"

// What a profile's `outputs:` mean for the export code; `kiln build` calls these per output.
namespace kiln::exporter {

// OVF settings from a profile's `outputs.ova.ovf` (hardware, properties) and the rest of the
// profile (firmware, first-boot defaults as property defaults, description as annotation).
OvfSettings ovf_settings_for(const profile::Profile& profile, const profile::Ovf& ovf);

// Settings when no profile is given: every node key exposed, generic Linux guest.
OvfSettings default_ovf_settings(const std::string& vm_name);

// The request that writes `output` of `profile` from the built disk into `output_dir`.
ExportRequest request_for_output(const profile::Profile& profile, const profile::Output& output,
                                 const std::filesystem::path& disk,
                                 const std::filesystem::path& output_dir);

}  // namespace kiln::exporter
