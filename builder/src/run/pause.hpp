#pragma once

#include <filesystem>
#include <string>

// Stalls of a `kiln run` node, as a vMotion stun or a storage hiccup stalls a VM: its QEMU is
// stopped (SIGSTOP) and nothing in the guest runs or answers until it is continued (SIGCONT);
// the guest's clocks then jump by the pause.
namespace kiln::run {

// Stops a running node's QEMU. A UsageError for an unknown node, one that is not running
// (killed, stopped or deferred) or one already paused.
void pause_node(const std::filesystem::path& state_dir, const std::string& name);
// Continues a paused node's QEMU. A UsageError for an unknown node or one that is not paused.
void resume_node(const std::filesystem::path& state_dir, const std::string& name);

// Whether `pid` is a process stopped by a signal (its /proc state is T).
bool process_stopped(int pid);

}  // namespace kiln::run
