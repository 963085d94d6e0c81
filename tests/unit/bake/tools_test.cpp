#include "bake/tools.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using kiln::bake::StdoutTo;

class BakeTools : public ::testing::Test {
protected:
    void SetUp() override {
        kiln::bake::set_log_sink([this](const std::string& line) { log.push_back(line); });
    }
    void TearDown() override { kiln::bake::set_log_sink({}); }
    std::vector<std::string> log;
};

TEST_F(BakeTools, TheLogGetsEachCommandAndItsOutputInOrder) {
    auto logged = kiln::bake::run({{"sh", "-c", "echo out; echo err >&2; echo more"}});
    EXPECT_EQ(log, (std::vector<std::string>{"$ sh -c 'echo out; echo err >&2; echo more'", "out",
                                             "err", "more"}));
    EXPECT_EQ(logged.err, "out\nerr\nmore\n");

    log.clear();
    auto data = kiln::bake::run({{"sh", "-c", "echo data; echo note >&2"}}, StdoutTo::result);
    EXPECT_EQ(data.out, "data\n");
    EXPECT_EQ(log, (std::vector<std::string>{"$ sh -c 'echo data; echo note >&2'", "note"}));
}

TEST_F(BakeTools, AFailedRunNamesWhatFailedAndHow) {
    try {
        kiln::bake::run_checked({{"sh", "-c", "echo 'no space left' >&2; exit 4"}}, "testing");
        FAIL() << "no exception";
    } catch (const kiln::ProcessFailed& e) {
        EXPECT_STREQ(e.what(), "testing failed (sh): exit 4: no space left");
    }
}

// SIGTERM while a tool runs: the tool's process group stops, run() throws Interrupted, and the
// group was recorded for a later build to clean up after a SIGKILLed one. In a child process:
// the interruption flag stays set for good.
TEST(BakeInterruption, StopsTheRunningToolAndThrows) {
    fs::path record = fs::temp_directory_path() / ("kiln-tool-" + std::to_string(::getpid()));
    EXPECT_EXIT(
        {
            kiln::bake::install_interrupt_handlers();
            kiln::bake::set_child_record(record.string());
            std::thread interrupter([] {
                std::this_thread::sleep_for(300ms);
                ::kill(::getpid(), SIGTERM);
            });
            auto start = std::chrono::steady_clock::now();
            int code = 1;
            try {
                kiln::bake::run({{"sleep", "30"}});
            } catch (const kiln::Interrupted&) {
                code = 0;
            }
            interrupter.join();
            if (std::chrono::steady_clock::now() - start > 10s) code = 2;
            long group = 0;
            if (!(std::ifstream(record) >> group) || group <= 1) code = 3;
            std::exit(code);
        },
        ::testing::ExitedWithCode(0), "");
    fs::remove(record);
}

}  // namespace
