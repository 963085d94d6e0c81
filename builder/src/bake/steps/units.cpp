#include "bake/steps/units.hpp"

namespace kiln::bake {

void apply_units(Context& ctx, UnitAction action, const profile::TextList& units) {
    const std::string verb = to_string(action);
    for (const auto& unit : units) {
        Result r = ctx.root->run({"systemctl", verb, unit.value});
        if (r.status != 0)
            throw LocatedError(unit.where, "cannot " + verb + " unit '" + unit.value +
                                               "' in the image: " +
                                               (r.tail.empty() ? "systemctl failed" : r.tail));
    }
    ctx.note = std::to_string(units.size()) + " units";
}

}  // namespace kiln::bake
