#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/error.hpp"

// The one way both programs run another program: argv only (no shell), argv[0] looked up in
// PATH, stdin from /dev/null, stdout and stderr captured, no descriptor above 2 inherited, in a
// process group of its own that is killed when the program ends, times out or this process
// dies (PR_SET_PDEATHSIG: run it from a thread that outlives it, the main one).
namespace kiln {

enum class OutputStream { out, err };

// Every member has an initializer, so that ProcessSpec{argv} leaves the rest at their defaults
// without -Wmissing-field-initializers.
struct ProcessSpec {
    std::vector<std::string> argv{};
    // NAME=VALUE entries over this process's environment (replacing one of the same name), or
    // over an empty one with clear_environment. PATH is looked up in the result.
    std::vector<std::string> env{};
    bool clear_environment = false;
    std::filesystem::path cwd{};  // empty: this process's
    // Zero: none. When it passes, the whole process group gets SIGKILL.
    std::chrono::milliseconds timeout{0};
    // Bytes kept of each stream: the start of stdout (data to read), the end of stderr (what
    // error messages quote).
    std::size_t output_limit = 8 << 20;
    // Stdout goes into the stderr pipe: one stream in the order written, for tools that log.
    bool stdout_joins_stderr = false;
    // Each line as it arrives (also beyond output_limit), e.g. for a build log.
    std::function<void(OutputStream, std::string_view line)> on_line{};
    // The child's pid, which is its process group, once the program runs.
    std::function<void(pid_t)> on_start{};
    // Asked four times a second; once it says yes, the process group gets SIGTERM.
    std::function<bool()> stop_requested{};
};

enum class Outcome { exited, killed, timed_out, not_started };

struct ProcessResult {
    Outcome outcome = Outcome::not_started;
    int exit_code = -1;                   // exited
    int signal = 0;                       // killed
    std::chrono::milliseconds timeout{};  // timed_out
    std::string start_error;              // not_started: why
    std::string out;
    std::string err;

    bool succeeded() const { return exited_with(0); }
    bool exited_with(int code) const { return outcome == Outcome::exited && exit_code == code; }
    // How it ended: "exit 1", "killed by SIGKILL", "timed out after 10 s", "could not start:
    // No such file or directory".
    std::string ending() const;
    // The last lines of stderr, trailing blanks removed.
    std::string err_tail() const;
    // ending() and, after an exit, err_tail(): "exit 1: <line>" or "exit 1:\n<lines>". Every
    // message about a failed run says it this way.
    std::string describe() const;
};

ProcessResult run_process(const ProcessSpec& spec);

// "<what> failed (<program>): <describe()>".
class ProcessFailed : public Error {
public:
    ProcessFailed(const std::string& what, const std::string& program, const ProcessResult& result);
};

// run_process, throwing ProcessFailed unless the program exits 0.
ProcessResult run_process_checked(const ProcessSpec& spec, const std::string& what);

// The first executable `name` in $PATH (or in `directories` when given).
std::optional<std::filesystem::path> find_program(
    const std::string& name, const std::vector<std::filesystem::path>& directories = {});

// argv as a shell would need it typed, for logs.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace kiln
