#pragma once

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// copy-tree / copy-file: an overlay copied into the guest with the owner and group resolved
// from the guest's own accounts. Tree files get the overlay's mode, else 0755/0644 as the plan
// digests them; folders the overlay creates get 0755 and its owner; existing folders keep theirs.
void apply_overlay(Context& ctx, const plan::CopyOverlay& overlay);

}  // namespace kiln::bake
