#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/root_dir.hpp"
#include "sources/collection.hpp"

namespace kiln::firstboot {

// Transport 2: an OVF environment document (from guestinfo.ovfEnv, or ovf-env.xml on the CD
// vSphere attaches with the ISO transport). Reads the Environment's PropertySection properties
// named kiln.<key>; empty values (vSphere fills every declared property) count as absent.
void read_ovf_environment(const std::string& display, const std::string& xml, Collection& out);

// The OVF environment without its secret kiln.* properties (passwords, keys), every other
// property and element kept: what guestinfo.ovfEnv is rewritten to after bring-up, as Ignition
// does (CVE-2022-1706). nullopt when it holds no secret property (or is not XML).
std::optional<std::string> without_secret_properties(const std::string& xml);

// ovf-env.xml on an already mounted CD under `root`, or (when `mount_cdrom`) on /dev/sr0
// mounted read-only for the time of reading. nullopt when there is none; `display` names the file
// read, or the one at fault when this throws Error (not a regular file, too large).
std::optional<std::string> find_ovf_env_file(const RootDir& root, bool mount_cdrom,
                                             std::string& display);

}  // namespace kiln::firstboot
