#pragma once

#include <array>

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// enable-units / disable-units / mask-units: the guest's own systemctl, offline in the guest
// (it writes the same symlinks in /etc/systemd/system that a running system would). Each unit
// separately, so a missing one names its profile line.
void apply_units(Context& ctx, plan::UnitAction action, const profile::TextList& units);

}  // namespace kiln::bake
