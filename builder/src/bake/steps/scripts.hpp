#pragma once

#include <string>
#include <vector>

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// Where a step's text and output are kept in the guest while it runs.
inline constexpr const char* kScriptPath = "/tmp/kiln-script";
inline constexpr const char* kScriptOutputPath = "/tmp/kiln-script.log";

// The command that runs a step in the guest: its environment is PATH, HOME, LANG and the step's
// own `env`, nothing of the build's; /bin/sh runs `interpreter SCRIPT` with its stdout and
// stderr in one file and prints the exit status (the appliance returns no output of a command
// that fails, so the step's status travels as output).
std::vector<std::string> script_command(const plan::RunScript& step);

// A build step on ctx.root: the text written to the guest, run there, each line of its output
// in the build log. A step that exits non-zero fails the build at `where` (the step in the
// profile) with its last lines. In a host tree's chroot the step has the host's name servers
// for as long as it runs (the template's own /etc/resolv.conf is empty).
void run_script(Context& ctx, const plan::RunScript& step, const Location& where);

}  // namespace kiln::bake
