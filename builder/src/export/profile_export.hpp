#pragma once

#include <filesystem>

#include "export/exporter.hpp"
#include "plan/actions.hpp"
#include "profile/profile.hpp"

// What a profile's `outputs:` mean for the export code; `kiln build` calls these per output.
namespace kiln::exporter {

// OVF settings from a profile's `outputs.ova.ovf` (hardware, properties) and the rest of the
// profile (firmware, first-boot defaults as property defaults, description as annotation).
OvfSettings ovf_settings_for(const profile::Profile& profile, const profile::Ovf& ovf);
// The same from what the plan resolved (plan::describe_ovf).
OvfSettings ovf_settings_for(const plan::OvfDescription& description);

// Settings when no profile is given: every node key exposed, generic Linux guest.
OvfSettings default_ovf_settings(const std::string& vm_name);

// The request that writes a plan's vmdk or ova output from the built disk into `output_dir`.
ExportRequest request_for_output(const plan::WriteOutput& output, const std::filesystem::path& disk,
                                 const std::filesystem::path& output_dir);

}  // namespace kiln::exporter
