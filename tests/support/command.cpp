#include "command.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace kiln_test {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHighestSignal = 64;  // SIGRTMAX on Linux

std::string joined(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
    return text;
}

// This process's environment with `extra` (NAME=value) added, replacing same-named entries.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry = *e;
        std::string name = entry.substr(0, entry.find('='));
        bool replaced = false;
        for (const auto& x : extra)
            if (x.substr(0, x.find('=')) == name) replaced = true;
        if (!replaced) env.push_back(entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& words) {
    std::vector<char*> out;
    for (auto& w : words) out.push_back(w.data());
    out.push_back(nullptr);
    return out;
}

struct Pipe {
    int read = -1, write = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) == 0) read = fds[0], write = fds[1];
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    void close_read() {
        if (read >= 0) ::close(read);
        read = -1;
    }
    void close_write() {
        if (write >= 0) ::close(write);
        write = -1;
    }
};

// Reads both pipes to their end while the child runs, stopping it when the timeout passes,
// and reaps it. Returns its wait status.
int collect(pid_t pid, Pipe& out, Pipe* err, const CommandOptions& options, CommandResult& r) {
    auto start = Clock::now();
    std::optional<Clock::time_point> stop_at, kill_at, give_up_reading_at;
    if (options.timeout) stop_at = start + *options.timeout;
    int status = 0;
    bool reaped = false;
    char buffer[65536];
    for (;;) {
        auto now = Clock::now();
        if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            // What the stopped program started may hold its pipes open: read a little longer.
            if (r.timed_out) give_up_reading_at = now + std::chrono::seconds(1);
        }
        std::vector<pollfd> fds;
        if (out.read >= 0) fds.push_back({out.read, POLLIN, 0});
        if (err && err->read >= 0) fds.push_back({err->read, POLLIN, 0});
        if (reaped && (fds.empty() || (give_up_reading_at && now >= *give_up_reading_at))) break;
        if (!reaped && stop_at && now >= *stop_at && !kill_at) {
            r.timed_out = true;
            r.timeout_ms = options.timeout->count();
            ::kill(pid, options.stop_signal);
            kill_at = now + options.kill_after;
        }
        if (!reaped && kill_at && now >= *kill_at) ::kill(pid, SIGKILL);
        // Short polls: the child's exit and the deadlines are not on a pipe.
        ::poll(fds.data(), fds.size(), 50);
        for (const auto& p : fds) {
            if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(p.fd, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            bool is_out = p.fd == out.read;
            if (n <= 0) {
                is_out ? out.close_read() : err->close_read();
                continue;
            }
            (is_out ? r.out : r.err).append(buffer, static_cast<std::size_t>(n));
        }
    }
    return status;
}

std::string tail(const std::string& text, std::size_t bytes) {
    return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// Whether the test asked for this ending: an exit, a signal it expects, or the stop of a
// timeout it expects. A crash after the stop signal is still a crash.
bool ending_as_asked(const CommandResult& r, const CommandOptions& options) {
    if (!r.started) return false;
    if (r.timed_out) {
        if (!options.expect_timeout) return false;
        bool stopped = r.signal == options.stop_signal || r.signal == SIGKILL;
        return r.signal == 0 || stopped || options.expect_signal;
    }
    return r.signal == 0 || options.expect_signal;
}

// Fails the calling test for an ending it did not ask for.
void judge(const CommandResult& r, const CommandOptions& options,
           const kiln_test::SourceLocation& where) {
    if (ending_as_asked(r, options)) return;
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << "`" << r.command << "` " << r.ending() << "\n"
        << tail(r.out + r.err, 4000);
}

// Runs argv to its end; judging the ending is the caller's.
CommandResult execute(const std::vector<std::string>& argv, const CommandOptions& options) {
    CommandResult r;
    r.command = joined(argv);
    auto start = Clock::now();
    Pipe out, err_pipe;
    Pipe* err = options.merge_stderr ? nullptr : &err_pipe;
    if (out.read < 0 || err_pipe.read < 0) {
        r.err = std::string("no pipe: ") + std::strerror(errno);
        return r;
    }

    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 0, options.input.c_str(), O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, out.write, 1);
    ::posix_spawn_file_actions_adddup2(&actions, err ? err->write : out.write, 2);
    if (!options.working_directory.empty())
        ::posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());
    // The program starts with default signal handling and nothing blocked, whatever the test
    // process has set.
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    ::posix_spawnattr_setsigmask(&attributes, &none);
    ::posix_spawnattr_setsigdefault(&attributes, &all);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> words = argv;
    std::vector<char*> c_argv = c_strings(words);
    std::vector<std::string> env_words = environment_with(options.environment);
    std::vector<char*> c_env = c_strings(env_words);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, words.at(0).c_str(), &actions, &attributes, c_argv.data(),
                            c_env.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    out.close_write();
    err_pipe.close_write();
    if (rc != 0) {
        r.err = std::strerror(rc);
        return r;
    }
    r.started = true;
    int status = collect(pid, out, err, options, r);
    if (WIFEXITED(status))
        r.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.signal = WTERMSIG(status);
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
}

}  // namespace

std::string CommandResult::ending() const {
    if (!started) return "could not be started: " + err;
    std::string text;
    if (signal == 0)
        text = "exit " + std::to_string(exit_code);
    else
        text = "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    if (signal_reported_by_shell)
        text += ", as its shell reports (exit status " + std::to_string(128 + signal) + ")";
    if (timed_out) text += ", stopped after its timeout of " + std::to_string(timeout_ms) + " ms";
    return text;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options,
                          kiln_test::SourceLocation where) {
    CommandResult r = execute(argv, options);
    judge(r, options, where);
    return r;
}

CommandResult run_shell(const std::string& script, const CommandOptions& options,
                        kiln_test::SourceLocation where) {
    CommandResult r = execute({"/bin/sh", "-c", script}, options);
    if (r.started && r.signal == 0 && r.exit_code > 128 && r.exit_code <= 128 + kHighestSignal) {
        r.signal = r.exit_code - 128;
        r.exit_code = -1;
        r.signal_reported_by_shell = true;
    }
    judge(r, options, where);
    return r;
}

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace kiln_test
