#include "bake/steps/units.hpp"

namespace kiln::bake {

void apply_units(Context& ctx, plan::UnitAction action, const profile::TextList& units) {
    const std::string verb = plan::to_string(action);
    for (const auto& unit : units) {
        ProcessResult r = ctx.root->run({"systemctl", verb, unit.value});
        if (!r.succeeded())
            throw LocatedError(unit.where, "cannot " + verb + " unit '" + unit.value +
                                               "' in the image: " +
                                               r.describe());
    }
    ctx.note = std::to_string(units.size()) + " units";
}

}  // namespace kiln::bake
