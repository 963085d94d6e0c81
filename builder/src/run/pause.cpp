#include "run/pause.hpp"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "kiln/error.hpp"
#include "run/cluster.hpp"

namespace kiln::run {

namespace {

bool running(int pid) {
    return pid > 0 && ::kill(pid, 0) == 0;
}

// The node's QEMU, which must be running.
int qemu_pid(const std::filesystem::path& state_dir, const std::string& name) {
    ClusterState state = load_cluster(state_dir);
    const NodeState& node = find_node(state, name);
    if (!running(node.pid))
        throw UsageError("node '" + name +
                         "' is not running (killed, stopped or deferred): start it with "
                         "kiln run --start " +
                         name);
    return node.pid;
}

// A signal is delivered asynchronously: waits (briefly) until the process is in `stopped`.
void await_state(int pid, bool stopped, const std::string& name) {
    for (int i = 0; i < 200; ++i) {
        if (process_stopped(pid) == stopped) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw Error("the QEMU of '" + name + "' (pid " + std::to_string(pid) + ") did not " +
                (stopped ? "stop" : "continue"));
}

}  // namespace

bool process_stopped(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return false;
    // "PID (COMMAND) STATE ...": the command may hold spaces and parentheses, the state follows
    // the last ')'.
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'T';
}

void pause_node(const std::filesystem::path& state_dir, const std::string& name) {
    const int pid = qemu_pid(state_dir, name);
    if (process_stopped(pid))
        throw UsageError("node '" + name + "' is already paused: kiln run --resume " + name);
    if (::kill(pid, SIGSTOP) != 0) throw SystemError("pausing '" + name + "'", errno);
    await_state(pid, true, name);
}

void resume_node(const std::filesystem::path& state_dir, const std::string& name) {
    const int pid = qemu_pid(state_dir, name);
    if (!process_stopped(pid)) throw UsageError("node '" + name + "' is not paused");
    if (::kill(pid, SIGCONT) != 0) throw SystemError("resuming '" + name + "'", errno);
    await_state(pid, false, name);
}

}  // namespace kiln::run
