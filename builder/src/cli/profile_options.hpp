#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "profile/loader.hpp"

namespace kiln::cli {

// --var name=value, shared by every subcommand that reads a profile.
struct VariableOptions {
    std::vector<std::string> assignments;

    void register_options(CLI::App& app) {
        app.add_option("--var", assignments, "Override a profile variable (name=value)")
            ->type_name("NAME=VALUE");
    }

    profile::LoadOptions load_options() const {
        profile::LoadOptions options;
        for (const auto& text : assignments) {
            auto [name, value] = profile::parse_variable_assignment(text);
            options.variables[name] = value;
        }
        return options;
    }
};

}  // namespace kiln::cli
