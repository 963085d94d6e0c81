#include "run/relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <list>

#include "kiln/error.hpp"

namespace kiln::run {

namespace {

int listen_on(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw SystemError("socket", errno);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
        int saved = errno;
        ::close(fd);
        throw SystemError("cannot listen on 127.0.0.1:" + std::to_string(port), saved);
    }
    return fd;
}

// A socket's namespace is the one its creator was in when it was made: switch, create, switch back.
int socket_in(int netns_fd, int host_ns_fd) {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) return -1;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::setns(host_ns_fd, CLONE_NEWNET);
    return fd;
}

struct Pipe {
    int client;
    int upstream;
    std::string to_upstream, to_client;
    bool client_eof = false, upstream_eof = false;
};

// Moves what is readable from `from` into `buffer`; false on EOF or error.
bool pump_in(int from, std::string& buffer) {
    std::array<char, 65536> chunk{};
    ssize_t n = ::read(from, chunk.data(), chunk.size());
    if (n > 0) {
        buffer.append(chunk.data(), static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

bool pump_out(int to, std::string& buffer) {
    if (buffer.empty()) return true;
    ssize_t n = ::write(to, buffer.data(), buffer.size());
    if (n > 0) buffer.erase(0, static_cast<std::size_t>(n));
    return n >= 0 || errno == EAGAIN || errno == EINTR;
}

[[noreturn]] void serve(int netns_fd, int host_ns_fd, const std::vector<int>& listeners,
                        const std::vector<Forward>& forwards) {
    std::list<Pipe> pipes;
    for (;;) {
        std::vector<pollfd> fds;
        for (int fd : listeners) fds.push_back({fd, POLLIN, 0});
        auto events = [](bool eof, const std::string& pending) {
            return static_cast<short>((eof ? 0 : POLLIN) | (pending.empty() ? 0 : POLLOUT));
        };
        for (auto& p : pipes) {
            fds.push_back({p.client, events(p.client_eof, p.to_client), 0});
            fds.push_back({p.upstream, events(p.upstream_eof, p.to_upstream), 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) _exit(1);
        // Existing pipes first: the fds above describe exactly them; new ones join next round.
        std::size_t index = listeners.size();
        for (auto it = pipes.begin(); it != pipes.end(); index += 2) {
            Pipe& p = *it;
            short client_events = fds[index].revents, upstream_events = fds[index + 1].revents;
            if ((client_events & (POLLIN | POLLHUP)) && !pump_in(p.client, p.to_upstream))
                p.client_eof = true;
            if ((upstream_events & (POLLIN | POLLHUP)) && !pump_in(p.upstream, p.to_client))
                p.upstream_eof = true;
            bool ok = !(upstream_events & POLLERR) && pump_out(p.upstream, p.to_upstream) &&
                      pump_out(p.client, p.to_client);
            if (p.client_eof && p.to_upstream.empty()) ::shutdown(p.upstream, SHUT_WR);
            if (p.upstream_eof && p.to_client.empty()) ::shutdown(p.client, SHUT_WR);
            if (!ok ||
                (p.client_eof && p.upstream_eof && p.to_client.empty() && p.to_upstream.empty())) {
                ::close(p.client);
                ::close(p.upstream);
                it = pipes.erase(it);
            } else {
                ++it;
            }
        }
        for (std::size_t i = 0; i < listeners.size(); ++i) {
            if (!(fds[i].revents & POLLIN)) continue;
            int client = ::accept4(listeners[i], nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (client < 0) continue;
            int upstream = socket_in(netns_fd, host_ns_fd);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<std::uint16_t>(forwards[i].target_port));
            ::inet_pton(AF_INET, forwards[i].target_host.c_str(), &addr.sin_addr);
            if (upstream < 0 ||
                (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
                 errno != EINPROGRESS)) {
                ::close(client);
                if (upstream >= 0) ::close(upstream);
                continue;
            }
            pipes.push_back({client, upstream, {}, {}});
        }
    }
}

}  // namespace

int free_port(int from, const std::vector<int>& taken) {
    for (int port = from; port < 65535; ++port) {
        if (std::find(taken.begin(), taken.end(), port) != taken.end()) continue;
        try {
            ::close(listen_on(port));
            return port;
        } catch (const SystemError&) {
        }
    }
    throw Error("no free TCP port on 127.0.0.1 from " + std::to_string(from));
}

int start_relay(const std::string& netns_path, const std::vector<Forward>& forwards) {
    int netns_fd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) throw SystemError("cannot open network namespace " + netns_path, errno);
    int host_ns_fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host_ns_fd < 0) throw SystemError("cannot open this process's network namespace", errno);
    std::vector<int> listeners;
    for (const auto& f : forwards) listeners.push_back(listen_on(f.listen_port));
    pid_t pid = ::fork();
    if (pid < 0) throw SystemError("fork", errno);
    if (pid == 0) {
        ::setsid();
        std::signal(SIGPIPE, SIG_IGN);
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0), ::dup2(devnull, 1), ::dup2(devnull, 2);
        serve(netns_fd, host_ns_fd, listeners, forwards);
    }
    for (int fd : listeners) ::close(fd);
    ::close(netns_fd);
    ::close(host_ns_fd);
    return pid;
}

}  // namespace kiln::run
