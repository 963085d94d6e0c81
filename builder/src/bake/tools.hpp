#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bake/interruption.hpp"
#include "kiln/process.hpp"

// The programs a build runs (mmdebstrap, mkfs, qemu-img...): the common runner, with every
// command and output line in the build log and the build's interruption.
namespace kiln::bake {

// Where every line a tool prints goes (the build log); may be empty.
using LogSink = std::function<void(const std::string& line)>;
void set_log_sink(LogSink sink);
void log_line(const std::string& line);

// NAME=VALUE entries every program the build runs gets, commands in the guest too
// (guest_command_prefix, build steps): the build's SOURCE_DATE_EPOCH. Empty outside a build.
void set_build_environment(std::vector<std::string> entries);
const std::vector<std::string>& build_environment();

// `log`: stdout joins stderr, so the log and ProcessResult::err hold the output in the order it
// was written. `result`: stdout is data for the caller (ProcessResult::out), kept out of the log.
enum class StdoutTo { log, result };

// Runs a program in its own process group, killed if kiln dies or is interrupted (then
// Interrupted is thrown). Never throws for a run that fails.
ProcessResult run(ProcessSpec spec, StdoutTo stdout_to = StdoutTo::log);

// As run(), but a run that does not exit 0 throws ProcessFailed naming `what`.
ProcessResult run_checked(ProcessSpec spec, const std::string& what,
                          StdoutTo stdout_to = StdoutTo::log);

}  // namespace kiln::bake
