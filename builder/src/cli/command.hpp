#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <vector>

namespace kiln::cli {

// Options every subcommand shares.
struct GlobalOptions {
    bool json = false;  // machine-readable output: one JSON document or one event per line
};

// One subcommand: registers its options on its own CLI11 app, then runs.
// Errors are thrown as kiln::Error; main() alone maps them to exit codes.
class Command {
public:
    virtual ~Command() = default;
    virtual void register_options(CLI::App& app, GlobalOptions& global) = 0;
    virtual int run() = 0;  // returns the exit code for outcomes that are not errors
};

struct CommandEntry {
    const char* name;
    const char* description;
    std::unique_ptr<Command> (*make)();
};

// Every subcommand of kiln, in the order --help lists them.
std::vector<CommandEntry> all_commands();

}  // namespace kiln::cli
