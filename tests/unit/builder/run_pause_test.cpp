// kiln run --pause / --resume: SIGSTOP and SIGCONT to the node's QEMU, found as --kill finds it.
// A child process stands in for QEMU.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "kiln/error.hpp"
#include "run/cluster.hpp"
#include "run/pause.hpp"

using namespace kiln;

namespace {

// The test's own state folder, removed at the end.
struct StateDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("kiln-run-pause-" + std::to_string(::getpid()));
    StateDir() { std::filesystem::create_directories(path); }
    ~StateDir() { std::filesystem::remove_all(path); }
};

// A process that only waits, killed and reaped at the end of the test.
class StandIn {
public:
    StandIn() : pid_(::fork()) {
        if (pid_ == 0) {
            for (;;) ::pause();
        }
    }
    ~StandIn() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    int pid() const { return pid_; }

private:
    int pid_;
};

// A cluster state with pg-1 running as `pid` and pg-2 powered off.
void write_state(const std::filesystem::path& dir, int pid) {
    run::ClusterState state;
    state.cluster = "pg-ha";
    state.netns = "kiln-test";
    state.state_dir = dir;
    state.vip = "10.77.0.100";
    state.nodes = {{"pg-1", "10.77.0.11", pid, 2201, {}, {}, {}, {}, {}},
                   {"pg-2", "10.77.0.12", 0, 2202, {}, {}, {}, {}, {}}};
    std::ofstream(dir / "state.json") << state.to_json().dump();
}

template <class F>
std::string usage_error(F&& action) {
    try {
        action();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no UsageError";
}

}  // namespace

TEST(RunPause, PauseStopsTheNodesProcessAndResumeContinuesIt) {
    StateDir dir;
    StandIn qemu;
    write_state(dir.path, qemu.pid());
    ASSERT_FALSE(run::process_stopped(qemu.pid()));
    run::pause_node(dir.path, "pg-1");
    EXPECT_TRUE(run::process_stopped(qemu.pid()));
    EXPECT_NE(usage_error([&] { run::pause_node(dir.path, "pg-1"); }).find("already paused"),
              std::string::npos);
    run::resume_node(dir.path, "pg-1");
    EXPECT_FALSE(run::process_stopped(qemu.pid()));
    EXPECT_NE(usage_error([&] { run::resume_node(dir.path, "pg-1"); }).find("is not paused"),
              std::string::npos);
}

TEST(RunPause, AnUnknownOrPoweredOffNodeIsAUsageError) {
    StateDir dir;
    StandIn qemu;
    write_state(dir.path, qemu.pid());
    EXPECT_NE(usage_error([&] {
                  run::pause_node(dir.path, "pg-9");
              }).find("cluster 'pg-ha' has no node 'pg-9' (nodes: pg-1, pg-2)"),
              std::string::npos);
    for (auto action : {run::pause_node, run::resume_node})
        EXPECT_NE(usage_error([&] { action(dir.path, "pg-2"); }).find("is not running"),
                  std::string::npos);
    EXPECT_FALSE(run::process_stopped(qemu.pid())) << "nothing else was signalled";
}
