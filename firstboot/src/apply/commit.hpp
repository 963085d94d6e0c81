#pragma once

#include "core/accounts.hpp"
#include "core/root_dir.hpp"
#include "render/rendered.hpp"

namespace kiln::firstboot {

// The commit stage, in two phases so that a failure leaves nothing half-applied: owners are
// resolved, every folder that gets a mode and owner is checked to be a real folder, and every
// file is written and fsynced under a temporary name beside its target (secrets 0600 from the
// start); only when all of them exist are they renamed into place. Every path is resolved inside
// `root`. `set_owners`: chown to the users each file names (false for previews as non-root).
// Throws kiln::Error naming the file or user at fault.
void commit_rendering(const Rendering& rendering, const Accounts& accounts, const RootDir& root,
                      bool set_owners);

}  // namespace kiln::firstboot
