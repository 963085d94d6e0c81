#include "kiln/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kiln/inherited_fds.hpp"
#include "missing_syscall.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using kiln::FdClosing;
using kiln::Outcome;
using kiln::ProcessResult;
using kiln::ProcessSpec;
using kiln::run_process;

ProcessResult sh(const std::string& script, ProcessSpec spec = {}) {
    spec.argv = {"sh", "-c", script};
    return run_process(spec);
}

// A descriptor open without O_CLOEXEC, at a number above 9, as the test runner may leave them.
class LeakedDescriptor {
public:
    LeakedDescriptor() {
        int fd = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: exec alone would not close it
        number_ = ::fcntl(fd, F_DUPFD, 11);
        ::close(fd);
    }
    ~LeakedDescriptor() { ::close(number_); }
    int number() const { return number_; }

private:
    int number_;
};

// True once the process is gone or a zombie (which the test cannot reap: it is not the parent).
bool dead(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string pid_field, name, state;
        if (!(stat >> pid_field >> name >> state) || state == "Z") return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

class FdClosingMethods : public ::testing::TestWithParam<FdClosing> {
protected:
    void SetUp() override { kiln::force_fd_closing_for_tests(GetParam()); }
    void TearDown() override { kiln::force_fd_closing_for_tests(FdClosing::close_range); }
};

// Tools see only stdin, stdout and stderr: mmdebstrap hands apt a pipe whose number it does
// not choose, and dash (its /bin/sh) cannot redirect to a descriptor above 9, so descriptors
// inherited from whoever started kiln (CTest keeps several open) broke the bootstrap. QEMU and
// `ip` started by kiln run, and firstboot's tools, inherited them too.
TEST_P(FdClosingMethods, TheChildHasOnlyTheStandardDescriptors) {
    LeakedDescriptor leaked;
    ASSERT_GT(leaked.number(), 10);
    auto r = sh("ls /proc/$$/fd");
    EXPECT_TRUE(r.succeeded()) << r.describe();
    EXPECT_EQ(r.out, "0\n1\n2\n");
}

// The relay is a fork that never execs: it keeps its sockets and closes everything else.
TEST_P(FdClosingMethods, ClosesAllButTheDescriptorsToKeep) {
    LeakedDescriptor leaked, kept;
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int keep[] = {kept.number()};
        kiln::close_inherited_fds(keep);
        bool kept_open = ::fcntl(kept.number(), F_GETFD) >= 0;
        bool leaked_closed = ::fcntl(leaked.number(), F_GETFD) < 0 && errno == EBADF;
        bool stdio_open = ::fcntl(2, F_GETFD) >= 0;
        ::_exit(kept_open && leaked_closed && stdio_open ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

INSTANTIATE_TEST_SUITE_P(Process, FdClosingMethods,
                         ::testing::Values(FdClosing::close_range, FdClosing::proc_self_fd,
                                           FdClosing::up_to_fd_limit),
                         [](const auto& info) {
                             switch (info.param) {
                                 case FdClosing::close_range:
                                     return "CloseRange";
                                 case FdClosing::proc_self_fd:
                                     return "ProcSelfFd";
                                 case FdClosing::up_to_fd_limit:
                                     return "UpToFdLimit";
                             }
                             return "";
                         });

// Nothing forced: where close_range is missing the runner notices and falls back by itself.
TEST(Process, WithoutCloseRangeTheChildStillHasOnlyTheStandardDescriptors) {
    LeakedDescriptor leaked;
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (!kiln_test::make_syscall_missing(SYS_close_range) || ::close_range(3, 3, 0) == 0 ||
            errno != ENOSYS)
            ::_exit(2);
        ::_exit(sh("ls /proc/$$/fd").out == "0\n1\n2\n" ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: seccomp did not hide close_range";
}

TEST(Process, ExitCodeAndTheEndOfStderrDescribeAFailure) {
    auto one = sh("echo 'no such key' >&2; exit 3");
    EXPECT_EQ(one.outcome, Outcome::exited);
    EXPECT_TRUE(one.exited_with(3));
    EXPECT_EQ(one.describe(), "exit 3: no such key");

    auto many = sh("seq 1 40 >&2; exit 1");
    std::string lines;
    for (int i = 16; i <= 40; ++i) lines += (i > 16 ? "\n" : "") + std::to_string(i);
    EXPECT_EQ(many.describe(), "exit 1:\n" + lines);

    EXPECT_EQ(sh("exit 2").describe(), "exit 2");
}

TEST(Process, DeathBySignalIsSaidSo) {
    auto r = sh("kill -KILL $$");
    EXPECT_EQ(r.outcome, Outcome::killed);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_EQ(r.describe(), "killed by SIGKILL");
}

TEST(Process, TimeoutKillsTheWholeProcessGroup) {
    // The background sleep is the shell's child: killing only the shell would leave it running.
    auto r = sh("sleep 30 & echo $!; wait", {.timeout = 300ms});
    EXPECT_EQ(r.outcome, Outcome::timed_out);
    EXPECT_EQ(r.describe(), "timed out after 300 ms");
    EXPECT_EQ(sh("sleep 5", {.timeout = 1s}).describe(), "timed out after 1 s");
    ASSERT_FALSE(r.out.empty());
    EXPECT_TRUE(dead(std::stoi(r.out)));
}

TEST(Process, WhatTheProgramLeftInItsGroupEndsWithIt) {
    auto r = sh("sleep 30 >/dev/null 2>&1 & echo $!");
    ASSERT_TRUE(r.succeeded()) << r.describe();
    EXPECT_TRUE(dead(std::stoi(r.out)));
}

TEST(Process, AMissingProgramCouldNotStart) {
    auto in_path = run_process({{"kiln-no-such-program"}});
    EXPECT_EQ(in_path.outcome, Outcome::not_started);
    EXPECT_EQ(in_path.describe(), "could not start: No such file or directory");
    auto by_path = run_process({{"/nonexistent/kiln-helper"}});
    EXPECT_EQ(by_path.describe(), "could not start: No such file or directory");
    auto no_folder = run_process({.argv = {"true"}, .cwd = "/nonexistent"});
    EXPECT_EQ(no_folder.describe(),
              "could not start: cannot enter /nonexistent: No such file or directory");
}

TEST(Process, OutputBeyondTheLimitIsDroppedButEveryLineIsSeen) {
    std::vector<std::string> lines;
    auto r = sh("printf '0123456789abcdef\\n'; printf '0123456789abcdef\\n' >&2",
                {.output_limit = 10, .on_line = [&](kiln::OutputStream, std::string_view line) {
                     lines.emplace_back(line);
                 }});
    EXPECT_EQ(r.out, "0123456789");   // the start of stdout: data
    EXPECT_EQ(r.err, "789abcdef\n");  // the end of stderr: what error messages quote
    EXPECT_EQ(lines, (std::vector<std::string>{"0123456789abcdef", "0123456789abcdef"}));

    auto big = sh("head -c 3000000 /dev/zero | tr '\\0' x; head -c 3000000 /dev/zero >&2",
                  {.output_limit = 1000});
    EXPECT_EQ(big.out, std::string(1000, 'x'));
    EXPECT_EQ(big.err, std::string(1000, '\0'));
}

TEST(Process, StdoutCanJoinStderrInTheOrderWritten) {
    std::vector<std::string> lines;
    auto r = sh("echo a; echo b >&2; echo c",
                {.stdout_joins_stderr = true,
                 .on_line = [&](kiln::OutputStream stream, std::string_view line) {
                     EXPECT_EQ(stream, kiln::OutputStream::err);
                     lines.emplace_back(line);
                 }});
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "a\nb\nc\n");
    EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Process, EnvironmentAndFolderApply) {
    ::setenv("KILN_TEST_REPLACED", "old", 1);
    fs::path dir = fs::temp_directory_path();
    auto r = sh("echo \"$KILN_TEST_REPLACED $KILN_TEST_ADDED\"; pwd -P",
                {.env = {"KILN_TEST_REPLACED=new", "KILN_TEST_ADDED=added"}, .cwd = dir});
    EXPECT_EQ(r.out, "new added\n" + fs::canonical(dir).string() + "\n");

    auto clean =
        run_process({.argv = {"/usr/bin/env"}, .env = {"ONLY=1"}, .clear_environment = true});
    EXPECT_EQ(clean.out, "ONLY=1\n");
    ::unsetenv("KILN_TEST_REPLACED");
}

TEST(Process, ProgramsAreLookedUpInThePathTheyGet) {
    auto r = run_process({.argv = {"sh", "-c", "true"}, .env = {"PATH=/nonexistent"}});
    EXPECT_EQ(r.outcome, Outcome::not_started);
}

TEST(Process, AStopRequestSendsSigtermToTheGroup) {
    pid_t started = 0;
    bool stop = false;
    auto r = sh("sleep 30", {.on_start = [&](pid_t pid) { started = pid, stop = true; },
                             .stop_requested = [&] { return stop; }});
    EXPECT_GT(started, 0);
    EXPECT_EQ(r.describe(), "killed by SIGTERM");
}

TEST(Process, FindProgramSearchesTheGivenFolders) {
    EXPECT_EQ(kiln::find_program("sh", {"/nonexistent", "/bin"}), fs::path("/bin/sh"));
    EXPECT_FALSE(kiln::find_program("sh", {"/nonexistent"}));
    EXPECT_FALSE(kiln::find_program("kiln-no-such-program"));
}

TEST(Process, QuotedCommandsCanBeTypedBack) {
    EXPECT_EQ(kiln::quote_command({"sh", "-c", "echo 'a b'", ""}), "sh -c 'echo '\\''a b'\\''' ''");
}

}  // namespace
