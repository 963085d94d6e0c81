#include "bake/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>

#include "kiln/error.hpp"

namespace kiln::bake {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
volatile std::sig_atomic_t g_child_pgid = 0;
volatile std::sig_atomic_t g_extra_child = 0;
LogSink g_sink;
std::string g_child_record;

void on_signal(int) {
    g_interrupted = 1;
    if (g_child_pgid > 0) ::kill(-g_child_pgid, SIGTERM);
    if (g_extra_child > 0) ::kill(g_extra_child, SIGKILL);
}

class Tail {
public:
    void add(const std::string& line) {
        lines_.push_back(line);
        if (lines_.size() > 25) lines_.pop_front();
    }
    std::string text() const {
        std::string out;
        for (const auto& l : lines_) out += l + "\n";
        return out;
    }

private:
    std::deque<std::string> lines_;
};

}  // namespace

void set_log_sink(LogSink sink) {
    g_sink = std::move(sink);
}

void log_line(const std::string& line) {
    if (g_sink) g_sink(line);
}

void install_interrupt_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGHUP, &sa, nullptr);
}

bool interrupted() {
    return g_interrupted != 0;
}

void throw_if_interrupted() {
    if (interrupted()) throw Interrupted();
}

void register_extra_child(int pid) {
    g_extra_child = pid;
}
void set_child_record(const std::string& path) {
    g_child_record = path;
}

void clear_extra_child() {
    g_extra_child = 0;
}

std::string quote_command(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
        if (plain) {
            out += a;
        } else {
            out += '\'';
            for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
            out += '\'';
        }
    }
    return out;
}

Result run(const Command& command) {
    throw_if_interrupted();
    if (command.argv.empty()) throw Error("internal: empty command");
    log_line("$ " + quote_command(command.argv));
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
        throw SystemError("cannot create a pipe", errno);

    std::vector<std::string> env_storage;
    for (char** e = environ; *e; ++e) env_storage.emplace_back(*e);
    for (const auto& e : command.env) {
        std::string name = e.substr(0, e.find('=') + 1);
        std::erase_if(env_storage, [&](const std::string& x) { return x.starts_with(name); });
        env_storage.push_back(e);
    }
    std::vector<char*> envp, argv;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = command.argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();

    pid_t pid = ::fork();
    if (pid < 0) throw SystemError("cannot fork", errno);
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGHUP, SIG_DFL);
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        // Nothing else from kiln's parent reaches the tool (see ToolsInheritOnlyTheStandard-
        // Descriptors: dash cannot use a descriptor above 9 that mmdebstrap is handed).
        ::close_range(3, ~0U, 0);
        if (!command.cwd.empty() && ::chdir(command.cwd.c_str()) != 0) ::_exit(127);
        ::execvpe(argv[0], argv.data(), envp.data());
        std::string msg = std::string("cannot run ") + argv[0] + ": " + std::strerror(errno) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    g_child_pgid = pid;
    if (!g_child_record.empty()) {
        int fd = ::open(g_child_record.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            std::string text = std::to_string(pid) + "\n";
            (void)!::write(fd, text.data(), text.size());
            ::close(fd);
        }
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    Result result;
    Tail tail;
    std::string partial[2];
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    bool signalled = false;
    char buffer[65536];
    while (open_fds > 0) {
        int n = ::poll(fds, 2, 250);
        if (interrupted() && !signalled) {
            ::kill(-pid, SIGTERM);
            signalled = true;
        }
        if (n <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
            if (got <= 0) {
                if (got < 0 && errno == EINTR) continue;
                if (!partial[i].empty()) {
                    log_line(partial[i]);
                    tail.add(partial[i]);
                    partial[i].clear();
                }
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
                continue;
            }
            std::string_view chunk(buffer, static_cast<std::size_t>(got));
            if (i == 0 && command.capture_stdout) {
                result.out.append(chunk);
                continue;
            }
            partial[i].append(chunk);
            std::size_t start = 0, nl;
            while ((nl = partial[i].find('\n', start)) != std::string::npos) {
                std::string line = partial[i].substr(start, nl - start);
                log_line(line);
                tail.add(line);
                start = nl + 1;
            }
            partial[i].erase(0, start);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // Leftover members of the group (daemons a postinst started) must not outlive the step.
    ::kill(-pid, SIGKILL);
    g_child_pgid = 0;
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.tail = tail.text();
    throw_if_interrupted();
    return result;
}

Result run_checked(const Command& command, const std::string& what) {
    Result r = run(command);
    if (r.status != 0)
        throw Error(what + " failed (" + command.argv.front() + " exited with " +
                    std::to_string(r.status) + ")" + (r.tail.empty() ? "" : ":\n" + r.tail));
    return r;
}

}  // namespace kiln::bake
