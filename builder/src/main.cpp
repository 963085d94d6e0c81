#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/command.hpp"
#include "kiln/error.hpp"
#include "kiln/printable.hpp"
#include "kiln/version.hpp"

int main(int argc, char** argv) {
    using namespace kiln;
    CLI::App app{"kiln: bakes immutable VM templates for a PostgreSQL HA cluster", "kiln"};
    app.set_version_flag("--version", std::string("kiln ") + kVersion);
    app.require_subcommand(1);
    cli::GlobalOptions global;

    std::vector<std::unique_ptr<cli::Command>> commands;
    cli::Command* selected = nullptr;
    for (auto& entry : cli::all_commands()) {
        CLI::App* sub = app.add_subcommand(entry.name, entry.description);
        commands.push_back(entry.make());
        cli::Command* command = commands.back().get();
        command->register_options(*sub, global);
        sub->callback([&selected, command] { selected = command; });
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
    }

    try {
        return selected ? selected->run() : 0;
    } catch (const Error& e) {
        std::cerr << "kiln: error: " << printable(e.what(), "\n\t") << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << "kiln: internal error: " << printable(e.what(), "\n\t") << "\n";
        return static_cast<int>(ExitCode::failed);
    }
}
