#include "kiln/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "kiln/inherited_fds.hpp"
#include "kiln/unique_fd.hpp"
#include "process_output.hpp"

extern char** environ;

namespace kiln {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::chrono::milliseconds kStopPollInterval{250};

std::vector<fs::path> path_directories(std::string_view path) {
    std::vector<fs::path> dirs;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = std::min(path.find(':', start), path.size());
        if (end > start) dirs.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return dirs;
}

std::vector<std::string> environment_for(const ProcessSpec& spec) {
    std::vector<std::string> env;
    if (!spec.clear_environment)
        for (char** e = environ; *e; ++e) env.emplace_back(*e);
    for (const auto& entry : spec.env) {
        std::string prefix = entry.substr(0, entry.find('=')) + "=";
        std::erase_if(env, [&](const std::string& e) { return e.starts_with(prefix); });
        env.push_back(entry);
    }
    return env;
}

// argv[0] as execvp would find it, but through the PATH the program gets, and before fork:
// the child may only make system calls.
std::optional<fs::path> resolve_program(const std::string& name,
                                        const std::vector<std::string>& env) {
    if (name.find('/') != std::string::npos) return fs::path(name);
    std::string_view path = kDefaultPath;
    for (const auto& e : env)
        if (e.starts_with("PATH=")) path = std::string_view(e).substr(5);
    return find_program(name, path_directories(path));
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// Why the child could not become the program, sent back through a close-on-exec pipe (which
// an exec that works closes without a word).
struct StartFailure {
    enum Step : int { setup, cwd, exec } step;
    int error;
};

// All the child needs, made before fork.
struct ChildPlan {
    const char* program;
    char* const* argv;
    char* const* envp;
    const char* cwd;  // null: stay
    int stdout_fd;
    int stderr_fd;
    int status_fd;
    pid_t parent;
};

[[noreturn]] void fail_start(int status_fd, StartFailure::Step step) {
    StartFailure failure{step, errno};
    (void)!::write(status_fd, &failure, sizeof failure);
    ::_exit(127);
}

// Moves a descriptor that is one of 0-2 (this process was started with one closed) out of the
// way of the dup2 calls that fill 0-2.
int above_stdio(int fd, int status_fd) {
    if (fd > 2) return fd;
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) fail_start(status_fd, StartFailure::setup);
    return moved;
}

// Runs in the child between fork and exec: system calls only.
[[noreturn]] void become_program(ChildPlan plan) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != plan.parent) ::_exit(127);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
        ::sigaction(sig, &default_action, nullptr);

    int status_fd = above_stdio(plan.status_fd, plan.status_fd);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) fail_start(status_fd, StartFailure::setup);
    std::array<int, 3> sources{devnull, plan.stdout_fd, plan.stderr_fd};
    for (int& fd : sources) fd = above_stdio(fd, status_fd);
    for (int target = 0; target < 3; ++target)
        if (::dup2(sources[target], target) < 0) fail_start(status_fd, StartFailure::setup);
    const int keep[] = {status_fd};
    close_inherited_fds(keep);

    if (plan.cwd && ::chdir(plan.cwd) != 0) fail_start(status_fd, StartFailure::cwd);
    ::execve(plan.program, plan.argv, plan.envp);
    fail_start(status_fd, StartFailure::exec);
}

std::optional<StartFailure> read_start_failure(const UniqueFd& status) {
    StartFailure failure{};
    ssize_t got;
    while ((got = ::read(status.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {
    }
    if (got == static_cast<ssize_t>(sizeof failure)) return failure;
    return std::nullopt;
}

// A child that has not been waited for yet: leaving the scope any other way (an exception
// from a callback) kills its group and reaps it.
class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (pid_ > 0) {
            ::kill(-pid_, SIGKILL);
            wait();
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    int wait() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

struct Reader {
    UniqueFd fd;
    CapturedStream stream;
};

// A poll(2) timeout no longer than `bound` (-1 is forever).
int at_most(int wait_ms, std::chrono::milliseconds bound) {
    int limit = static_cast<int>(bound.count());
    return wait_ms < 0 ? limit : std::min(wait_ms, limit);
}

// Reads the pipes until both close. False when the timeout passed first: the group is then
// killed and what it wrote so far kept.
bool read_until_closed(const ProcessSpec& spec, pid_t group, std::vector<Reader>& readers) {
    auto deadline = Clock::now() + spec.timeout;
    bool stop_sent = false;
    std::array<char, 65536> buffer{};
    for (;;) {
        std::vector<pollfd> fds;
        std::vector<Reader*> polled;
        for (auto& r : readers) {
            if (!r.fd) continue;
            fds.push_back({r.fd.get(), POLLIN, 0});
            polled.push_back(&r);
        }
        if (fds.empty()) return true;
        int wait_ms = -1;
        if (spec.timeout.count() > 0) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                ::kill(-group, SIGKILL);
                return false;
            }
            wait_ms = static_cast<int>(left.count());
        }
        if (spec.stop_requested && !stop_sent) wait_ms = at_most(wait_ms, kStopPollInterval);
        int ready = ::poll(fds.data(), fds.size(), wait_ms);
        if (ready < 0 && errno != EINTR)
            throw SystemError("cannot wait for a program's output", errno);
        if (spec.stop_requested && !stop_sent && spec.stop_requested()) {
            ::kill(-group, SIGTERM);
            stop_sent = true;
        }
        for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            Reader& r = *polled[i];
            ssize_t got = ::read(r.fd.get(), buffer.data(), buffer.size());
            if (got > 0) {
                r.stream.append(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                r.stream.finish();
                r.fd.reset();
            }
        }
    }
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
    if (spec.argv.empty()) throw Error("internal: a program to run without a name");
    ProcessResult result;
    std::vector<std::string> env = environment_for(spec);
    std::optional<fs::path> program = resolve_program(spec.argv.front(), env);
    if (!program) {
        result.start_error = std::strerror(ENOENT);
        return result;
    }
    std::vector<char*> argv = c_strings(spec.argv), envp = c_strings(env);

    Pipe err = make_pipe();
    std::optional<Pipe> out;
    if (!spec.stdout_joins_stderr) out = make_pipe();
    Pipe status = make_pipe();
    ChildPlan plan{program->c_str(),
                   argv.data(),
                   envp.data(),
                   spec.cwd.empty() ? nullptr : spec.cwd.c_str(),
                   out ? out->write.get() : err.write.get(),
                   err.write.get(),
                   status.write.get(),
                   ::getpid()};
    pid_t pid = ::fork();
    if (pid < 0) throw SystemError("cannot start " + spec.argv.front(), errno);
    if (pid == 0) become_program(plan);
    Child child(pid);
    ::setpgid(pid, pid);  // as the child does: whoever runs first, the group exists from here
    err.write.reset();
    if (out) out->write.reset();
    status.write.reset();

    if (auto failure = read_start_failure(status.read)) {
        child.wait();
        result.start_error = std::strerror(failure->error);
        if (failure->step == StartFailure::cwd)
            result.start_error = "cannot enter " + spec.cwd.string() + ": " + result.start_error;
        return result;
    }
    if (spec.on_start) spec.on_start(pid);

    std::vector<Reader> readers;
    readers.reserve(2);
    if (out)
        readers.push_back(
            Reader{std::move(out->read),
                   CapturedStream(OutputStream::out, spec.output_limit, spec.on_line)});
    readers.push_back(Reader{std::move(err.read),
                             CapturedStream(OutputStream::err, spec.output_limit, spec.on_line)});
    bool finished = read_until_closed(spec, pid, readers);
    int status_word = child.wait();
    // Whatever it left running in its group (a daemon a package script started) ends with it.
    ::kill(-pid, SIGKILL);

    for (auto& r : readers) r.stream.finish();
    if (out) result.out = readers.front().stream.take();
    result.err = readers.back().stream.take();
    if (!finished) {
        result.outcome = Outcome::timed_out;
        result.timeout = spec.timeout;
    } else if (WIFEXITED(status_word)) {
        result.outcome = Outcome::exited;
        result.exit_code = WEXITSTATUS(status_word);
    } else {
        result.outcome = Outcome::killed;
        result.signal = WTERMSIG(status_word);
    }
    return result;
}

ProcessResult run_process_checked(const ProcessSpec& spec, const std::string& what) {
    ProcessResult result = run_process(spec);
    if (!result.succeeded()) throw ProcessFailed(what, spec.argv.front(), result);
    return result;
}

std::optional<fs::path> find_program(const std::string& name,
                                     const std::vector<fs::path>& directories) {
    std::vector<fs::path> dirs = directories;
    if (dirs.empty()) {
        const char* path = std::getenv("PATH");
        dirs = path_directories(path ? path : kDefaultPath);
    }
    for (const auto& dir : dirs) {
        fs::path candidate = dir / name;
        std::error_code ec;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec))
            return candidate;
    }
    return std::nullopt;
}

}  // namespace kiln
