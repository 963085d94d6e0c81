#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace kiln::bake {

// One external program run by the build: argv (no shell), extra environment, working folder.
struct Command {
    Command() = default;
    Command(std::vector<std::string> arguments) : argv(std::move(arguments)) {}  // NOLINT: implicit

    std::vector<std::string> argv;
    std::vector<std::string> env;  // NAME=VALUE added to the inherited environment
    std::filesystem::path cwd;
    bool capture_stdout = false;  // keep stdout in Result::out (else it goes to the log only)
};

struct Result {
    int status = 0;    // exit status, or 128+signal
    std::string out;   // stdout when captured
    std::string tail;  // the last lines of stderr and stdout, for error messages
};

// Where every line a tool prints goes (the build log); may be empty.
using LogSink = std::function<void(const std::string& line)>;
void set_log_sink(LogSink sink);
void log_line(const std::string& line);

// Runs a program in its own process group, killed if kiln dies (PR_SET_PDEATHSIG) or is
// interrupted (then Interrupted is thrown). Never throws for a non-zero exit.
Result run(const Command& command);

// As run(), but a non-zero exit throws kiln::Error naming `what` and quoting the output tail.
Result run_checked(const Command& command, const std::string& what);

std::string quote_command(const std::vector<std::string>& argv);

// SIGINT/SIGTERM set a flag and stop the running tool (and any registered child such as the
// libguestfs appliance); the build then unwinds through its RAII cleanups.
void install_interrupt_handlers();
bool interrupted();
void throw_if_interrupted();
// A process (group) to signal on interruption besides the tool run() is waiting for.
void register_extra_child(int pid);
// A file where run() records the process group of the running tool, so that a later build can
// stop what a SIGKILLed build left running (Workspace::remove_stale).
void set_child_record(const std::string& path);
void clear_extra_child();

}  // namespace kiln::bake
