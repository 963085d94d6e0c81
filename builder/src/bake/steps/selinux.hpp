#pragma once

#include <string>

#include "bake/context.hpp"
#include "bake/guest/appliance.hpp"
#include "bake/guest/mounted_disk.hpp"
#include "plan/operation.hpp"

namespace kiln::bake {

// selinux-relabel on the finished disk: every file gets the label the guest's policy gives it
// (SELINUXTYPE of /etc/selinux/config, targeted when unset), so clones do not relabel at first
// boot. A guest without that policy is left as it is, with a warning.
void selinux_relabel(Context& ctx, MountedDisk& disk);

// The appliance a build launches: with setfiles when the plan relabels.
ApplianceTools appliance_tools(const plan::Plan& plan);

// An image base relabels in the appliance it launched before any package: when the plan relabels
// and that appliance cannot, the build stops there, at the profile's selinux_relabel line.
void require_relabel_tool(const plan::Plan& plan, bool appliance_can_relabel);

}  // namespace kiln::bake
