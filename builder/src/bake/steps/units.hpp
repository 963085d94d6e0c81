#pragma once

#include <array>

#include "bake/context.hpp"
#include "kiln/enum_names.hpp"

namespace kiln::bake {

// Named by its systemctl verb.
enum class UnitAction { enable, disable, mask };
constexpr auto name_table(UnitAction) {
    using enum UnitAction;
    return std::to_array<EnumName<UnitAction>>(
        {{enable, "enable"}, {disable, "disable"}, {mask, "mask"}});
}

// enable-units / disable-units / mask-units: the guest's own systemctl, offline in the guest
// (it writes the same symlinks in /etc/systemd/system that a running system would). Each unit
// separately, so a missing one names its profile line.
void apply_units(Context& ctx, UnitAction action, const profile::TextList& units);

}  // namespace kiln::bake
