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
#include "kiln/inherited_fds.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::run {

namespace {

UniqueFd listen_on(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw SystemError("socket", errno);
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd.get(), 64) != 0)
        throw SystemError("cannot listen on 127.0.0.1:" + std::to_string(port), errno);
    return fd;
}

// A socket's namespace is the one its creator was in when it was made: switch, create, switch back.
UniqueFd socket_in(int netns_fd, int host_ns_fd) {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) return {};
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    ::setns(host_ns_fd, CLONE_NEWNET);
    return fd;
}

// One forwarded TCP connection: what each side sent that the other has not taken yet.
struct Connection {
    UniqueFd client;
    UniqueFd upstream;
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

[[noreturn]] void serve(int netns_fd, int host_ns_fd, const std::vector<UniqueFd>& listeners,
                        const std::vector<Forward>& forwards) {
    std::list<Connection> connections;
    for (;;) {
        std::vector<pollfd> fds;
        for (const auto& fd : listeners) fds.push_back({fd.get(), POLLIN, 0});
        auto events = [](bool eof, const std::string& pending) {
            return static_cast<short>((eof ? 0 : POLLIN) | (pending.empty() ? 0 : POLLOUT));
        };
        for (auto& p : connections) {
            fds.push_back({p.client.get(), events(p.client_eof, p.to_client), 0});
            fds.push_back({p.upstream.get(), events(p.upstream_eof, p.to_upstream), 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) _exit(1);
        // Existing connections first: the fds above describe exactly them; new ones join next
        // round.
        std::size_t index = listeners.size();
        for (auto it = connections.begin(); it != connections.end(); index += 2) {
            Connection& p = *it;
            short client_events = fds[index].revents, upstream_events = fds[index + 1].revents;
            if ((client_events & (POLLIN | POLLHUP)) && !pump_in(p.client.get(), p.to_upstream))
                p.client_eof = true;
            if ((upstream_events & (POLLIN | POLLHUP)) && !pump_in(p.upstream.get(), p.to_client))
                p.upstream_eof = true;
            bool ok = !(upstream_events & POLLERR) && pump_out(p.upstream.get(), p.to_upstream) &&
                      pump_out(p.client.get(), p.to_client);
            if (p.client_eof && p.to_upstream.empty()) ::shutdown(p.upstream.get(), SHUT_WR);
            if (p.upstream_eof && p.to_client.empty()) ::shutdown(p.client.get(), SHUT_WR);
            if (!ok ||
                (p.client_eof && p.upstream_eof && p.to_client.empty() && p.to_upstream.empty())) {
                it = connections.erase(it);
            } else {
                ++it;
            }
        }
        for (std::size_t i = 0; i < listeners.size(); ++i) {
            if (!(fds[i].revents & POLLIN)) continue;
            UniqueFd client(
                ::accept4(listeners[i].get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
            if (!client) continue;
            UniqueFd upstream = socket_in(netns_fd, host_ns_fd);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<std::uint16_t>(forwards[i].target_port));
            ::inet_pton(AF_INET, forwards[i].target_host.c_str(), &addr.sin_addr);
            if (!upstream ||
                (::connect(upstream.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
                 errno != EINPROGRESS))
                continue;
            connections.push_back({std::move(client), std::move(upstream), {}, {}});
        }
    }
}

}  // namespace

int free_port(int from, const std::vector<int>& taken) {
    for (int port = from; port < 65535; ++port) {
        if (std::find(taken.begin(), taken.end(), port) != taken.end()) continue;
        try {
            listen_on(port);  // bound, then closed again
            return port;
        } catch (const SystemError&) {
        }
    }
    throw Error("no free TCP port on 127.0.0.1 from " + std::to_string(from));
}

int start_relay(const std::string& netns_path, const std::vector<Forward>& forwards) {
    UniqueFd netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) throw SystemError("cannot open network namespace " + netns_path, errno);
    UniqueFd host_ns(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!host_ns) throw SystemError("cannot open this process's network namespace", errno);
    std::vector<UniqueFd> listeners;
    for (const auto& f : forwards) listeners.push_back(listen_on(f.listen_port));
    std::vector<int> keep = {netns.get(), host_ns.get()};
    for (const auto& fd : listeners) keep.push_back(fd.get());
    std::sort(keep.begin(), keep.end());
    pid_t pid = ::fork();
    if (pid < 0) throw SystemError("fork", errno);
    if (pid == 0) {
        ::setsid();
        std::signal(SIGPIPE, SIG_IGN);
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0), ::dup2(devnull, 1), ::dup2(devnull, 2);
        // The relay outlives kiln: it holds its sockets and namespaces and nothing else of
        // what kiln had open (the build's files, the pipes of whoever started kiln).
        close_inherited_fds(keep);
        serve(netns.get(), host_ns.get(), listeners, forwards);
    }
    return pid;
}

}  // namespace kiln::run
