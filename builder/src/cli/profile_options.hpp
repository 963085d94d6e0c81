#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "profile/loader.hpp"

namespace kiln::cli {

// --var name=value and --allow-include DIR, shared by every subcommand that reads a profile.
struct ProfileOptions {
    std::vector<std::string> assignments;
    std::vector<std::string> include_folders;

    void register_options(CLI::App& app) {
        app.add_option("--var", assignments, "Override a profile variable (name=value)")
            ->type_name("NAME=VALUE");
        app.add_option("--allow-include", include_folders,
                       "Also read includes from this folder (by default only from the profile's "
                       "own folder and below)")
            ->type_name("DIR");
    }

    profile::LoadOptions load_options() const {
        profile::LoadOptions options;
        for (const auto& text : assignments) {
            auto [name, value] = profile::parse_variable_assignment(text);
            options.variables[name] = value;
        }
        options.allowed_include_folders.assign(include_folders.begin(), include_folders.end());
        return options;
    }
};

}  // namespace kiln::cli
