#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "source_location.hpp"

// Runs a program for a test and says how it ended. Every test that runs a binary goes through
// run_command (argv, no shell) or, where it truly needs a pipeline, run_shell. A program killed
// by a signal is reported as such and fails the calling test (at the caller's line) unless the
// test said it expects a signal; so do a program that cannot be started and one stopped by a
// timeout the test did not expect. A test cannot mistake a crash or a hang for an exit status.
namespace kiln_test {

struct CommandOptions {
    std::filesystem::path working_directory;    // empty: this process's
    std::filesystem::path input = "/dev/null";  // the program's stdin
    std::vector<std::string> environment;       // NAME=value, added to this process's
    bool merge_stderr = true;  // stderr into `out` (as 2>&1 does); false: into `err`
    // After this long the program is sent `stop_signal`, and SIGKILL if it is still there
    // `kill_after` later. Running into the timeout fails the test unless `expect_timeout`.
    std::optional<std::chrono::milliseconds> timeout;
    int stop_signal = SIGKILL;
    std::chrono::milliseconds kill_after{std::chrono::seconds(60)};
    bool expect_timeout = false;  // stopping the program is part of the test (or of its polling)
    bool expect_signal = false;   // the test wants the program to die by a signal
};

struct CommandResult {
    std::string command;  // argv joined, for messages
    bool started = false;
    int exit_code = -1;                     // when it exited; -1 when it did not
    int signal = 0;                         // the signal that ended it, 0 when it exited
    bool signal_reported_by_shell = false;  // run_shell: a command of the script died (128+N)
    bool timed_out = false;                 // the timeout passed and it was stopped
    long long timeout_ms = 0;               // that timeout
    std::string out;                        // stdout, and stderr when merged
    std::string err;                        // stderr when not merged
    double seconds = 0;

    bool exited() const { return started && signal == 0; }
    // "exit 2", "killed by signal 11 (Segmentation fault)", "could not be started: ...", with
    // ", stopped after its timeout of N ms" when it was.
    std::string ending() const;
};

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {},
                          kiln_test::SourceLocation where = kiln_test::SourceLocation::current());

// `/bin/sh -c script`. The shell reports a command of the script killed by signal N as exit
// status 128+N; that is decoded as a death by signal N too (so a script must not exit 129-192
// on its own).
CommandResult run_shell(const std::string& script, const CommandOptions& options = {},
                        kiln_test::SourceLocation where = kiln_test::SourceLocation::current());

// A word quoted for /bin/sh.
std::string shell_quote(const std::string& word);

}  // namespace kiln_test
