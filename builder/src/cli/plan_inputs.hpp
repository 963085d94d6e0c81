#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "plan/planner.hpp"

namespace kiln::cli {

// --firstboot-binary and --firstboot-unit, shared by kiln plan and kiln build so that both plan
// (and digest) the same files.
struct PlanInputOptions {
    std::string firstboot_binary;
    std::string firstboot_unit;

    void register_options(CLI::App& app) {
        app.add_option("--firstboot-binary", firstboot_binary, "kiln-firstboot binary to install");
        app.add_option("--firstboot-unit", firstboot_unit,
                       "kiln-firstboot.service unit to install");
    }

    // The options, else what this kiln finds: installed (PREFIX/libexec/kiln,
    // PREFIX/share/kiln/units) or built (the kiln-firstboot-static target, units/).
    plan::PlanInputs resolve() const;
};

}  // namespace kiln::cli
