// kiln_test::run_command / run_shell: how a program ended, told apart (exit status, signal,
// not started, stopped by the timeout), and a crash failing the test that did not expect it.
#include "command.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using kiln_test::CommandOptions;
using kiln_test::run_command;
using kiln_test::run_shell;

namespace {

TEST(RunCommand, ACrashFailsTheTestAndIsReportedAsASignal) {
    // A status decoded with WEXITSTATUS alone reads this death as exit 0.
    EXPECT_NONFATAL_FAILURE(run_command({"sh", "-c", "kill -SEGV $$"}),
                            "killed by signal 11 (Segmentation fault)");
    EXPECT_NONFATAL_FAILURE(run_command({"sh", "-c", "kill -ABRT $$"}),
                            "killed by signal 6 (Aborted)");
}

TEST(RunCommand, AnExpectedSignalIsReportedWithoutAnExitCode) {
    CommandOptions options;
    options.expect_signal = true;
    auto r = run_command({"sh", "-c", "echo before; kill -SEGV $$"}, options);
    EXPECT_TRUE(r.started);
    EXPECT_FALSE(r.exited());
    EXPECT_EQ(r.signal, SIGSEGV);
    EXPECT_EQ(r.exit_code, -1);
    EXPECT_EQ(r.out, "before\n");
    EXPECT_EQ(r.ending(), "killed by signal 11 (Segmentation fault)");
}

TEST(RunCommand, ExitStatusesArePassedOnAndDoNotFailTheTest) {
    auto r = run_command({"sh", "-c", "exit 3"});
    EXPECT_TRUE(r.exited());
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.signal, 0);
    EXPECT_EQ(r.ending(), "exit 3");
    // 139 is what a shell says for a child's SIGSEGV, but said by a program it is an exit.
    EXPECT_EQ(run_command({"sh", "-c", "exit 139"}).exit_code, 139);
}

TEST(RunCommand, AProgramThatCannotStartFailsTheTest) {
    EXPECT_NONFATAL_FAILURE(run_command({"/nonexistent/kiln-test-program"}),
                            "could not be started: No such file or directory");
}

TEST(RunCommand, RunsWithoutAShell) {
    // Each word reaches the program as it is: no splitting, globbing or expansion.
    auto r = run_command({"printf", "%s|", "two words", "*", "$HOME", "a'b"});
    EXPECT_EQ(r.out, "two words|*|$HOME|a'b|");
}

TEST(RunCommand, StdoutAndStderrMergedOrApart) {
    auto merged = run_command({"sh", "-c", "echo out; echo err >&2"});
    EXPECT_EQ(merged.out, "out\nerr\n");
    EXPECT_EQ(merged.err, "");
    CommandOptions apart;
    apart.merge_stderr = false;
    auto r = run_command({"sh", "-c", "echo out; echo err >&2"}, apart);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
}

TEST(RunCommand, InputDirectoryAndEnvironment) {
    auto dir = std::filesystem::temp_directory_path() /
               ("kiln-command-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "input") << "from a file\n";
    CommandOptions options;
    options.input = dir / "input";
    options.working_directory = dir;
    options.environment = {"KILN_TEST_WORD=hello", "HOME=/elsewhere"};
    auto r = run_command({"sh", "-c", "cat; pwd; echo $KILN_TEST_WORD $HOME"}, options);
    EXPECT_EQ(r.out, "from a file\n" + dir.string() + "\nhello /elsewhere\n");
    EXPECT_EQ(run_command({"cat"}).out, "") << "stdin is /dev/null unless given";
    std::filesystem::remove_all(dir);
}

TEST(RunCommand, AnUnexpectedTimeoutFailsTheTest) {
    CommandOptions limit;
    limit.timeout = std::chrono::milliseconds(200);
    EXPECT_NONFATAL_FAILURE(run_command({"sleep", "30"}, limit),
                            "killed by signal 9 (Killed), stopped after its timeout of 200 ms");
    // Handling the stop signal with an exit status does not hide the hang either.
    limit.stop_signal = SIGTERM;
    EXPECT_NONFATAL_FAILURE(
        run_command({"sh", "-c", "trap 'exit 1' TERM; sleep 30 >/dev/null 2>&1 & wait"}, limit),
        "exit 1, stopped after its timeout of 200 ms");
}

TEST(RunCommand, AnExpectedTimeoutStopsTheProgramWithoutFailingTheTest) {
    CommandOptions kill;
    kill.timeout = std::chrono::milliseconds(200);
    kill.expect_timeout = true;
    auto r = run_command({"sleep", "30"}, kill);
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_LT(r.seconds, 10);

    // A program that handles the stop signal exits as it chooses.
    CommandOptions term = kill;
    term.stop_signal = SIGTERM;
    auto handled =
        run_command({"sh", "-c", "trap 'exit 7' TERM; sleep 30 >/dev/null 2>&1 & wait"}, term);
    EXPECT_TRUE(handled.timed_out);
    EXPECT_EQ(handled.exit_code, 7);
}

TEST(RunCommand, ACrashAfterTheTimeoutStillFailsTheTest) {
    CommandOptions term;
    term.timeout = std::chrono::milliseconds(200);
    term.stop_signal = SIGTERM;
    term.expect_timeout = true;
    EXPECT_NONFATAL_FAILURE(
        run_command({"sh", "-c", "trap 'kill -SEGV $$' TERM; sleep 30 >/dev/null 2>&1 & wait"},
                    term),
        "killed by signal 11");
}

TEST(RunShell, ACommandKilledInsideTheScriptFailsTheTest) {
    // The script's shell survives and exits 128+11: that is a crash, not an exit status.
    EXPECT_NONFATAL_FAILURE(run_shell("sh -c 'kill -SEGV $$'; exit $?"),
                            "killed by signal 11 (Segmentation fault), as its shell reports");
    EXPECT_NONFATAL_FAILURE(run_shell("kill -SEGV $$"), "killed by signal 11");
}

TEST(RunShell, PipelinesAndExitStatuses) {
    auto r = run_shell("printf 'b\\na\\n' | sort | tr '\\n' ,");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "a,b,");
    EXPECT_EQ(run_shell("exit 2").exit_code, 2);
    CommandOptions expect;
    expect.expect_signal = true;
    auto crashed = run_shell("sh -c 'kill -ABRT $$'; exit $?", expect);
    EXPECT_EQ(crashed.signal, SIGABRT);
    EXPECT_TRUE(crashed.signal_reported_by_shell);
    EXPECT_EQ(crashed.exit_code, -1);
}

TEST(ShellQuote, KeepsEveryCharacterLiteral) {
    std::string word = "it's $HOME; `x` \"y\" *";
    EXPECT_EQ(run_shell("printf %s " + kiln_test::shell_quote(word)).out, word);
}

}  // namespace
