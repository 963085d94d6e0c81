#pragma once

#include <sys/types.h>

#include <string>

// SIGINT, SIGTERM and SIGHUP set a flag and stop the running tool (and any registered child
// such as the libguestfs appliance); the build then unwinds through its RAII cleanups.
namespace kiln::bake {

void install_interrupt_handlers();
bool interrupted();
void throw_if_interrupted();

// A process (group) to signal on interruption besides the running tool.
void register_extra_child(int pid);
void clear_extra_child();

// A file where the running tool's process group is recorded, so that a later build can stop
// what a SIGKILLed build left running (Workspace::remove_stale). Empty: none.
void set_child_record(const std::string& path);

// The tool the build waits for (its pid is its process group): an interruption stops it.
void tool_started(pid_t group);
void tool_ended();

}  // namespace kiln::bake
