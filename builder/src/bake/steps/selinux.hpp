#pragma once

#include "bake/context.hpp"
#include "bake/guest/mounted_disk.hpp"

namespace kiln::bake {

// selinux-relabel on the finished disk: every file gets the label the guest's policy gives it
// (SELINUXTYPE of /etc/selinux/config, targeted when unset), so clones do not relabel at first
// boot. A guest without that policy is left as it is, with a warning.
void selinux_relabel(Context& ctx, MountedDisk& disk);

}  // namespace kiln::bake
