#include "dcs/quorum.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "kiln/unique_fd.hpp"

namespace kiln::firstboot {

namespace {

// A non-blocking connect to address:port; an invalid fd when it fails at once.
UniqueFd start_connect(const std::string& address, int port) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        length = sizeof *v4;
    } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        length = sizeof *v6;
    } else {
        return {};
    }
    UniqueFd fd(::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return {};
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 &&
        errno != EINPROGRESS)
        return {};
    return fd;
}

}  // namespace

std::size_t reachable_peers(const std::vector<node::Peer>& peers, int port,
                            std::chrono::milliseconds timeout) {
    std::vector<UniqueFd> sockets;
    std::vector<pollfd> polls;
    for (const auto& peer : peers) {
        UniqueFd fd = start_connect(peer.address, port);
        if (!fd) continue;
        polls.push_back({fd.get(), POLLOUT, 0});
        sockets.push_back(std::move(fd));
    }
    std::size_t reachable = 0;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<bool> done(polls.size(), false);
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        std::vector<pollfd> waiting;
        for (std::size_t i = 0; i < polls.size(); ++i)
            if (!done[i]) waiting.push_back(polls[i]);
        if (waiting.empty() || left.count() <= 0) break;
        int rc = ::poll(waiting.data(), waiting.size(), static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) break;
        for (const auto& w : waiting) {
            if (!w.revents) continue;
            for (std::size_t i = 0; i < polls.size(); ++i)
                if (polls[i].fd == w.fd) done[i] = true;
            int error = 0;
            socklen_t size = sizeof error;
            if (::getsockopt(w.fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0)
                ++reachable;
        }
    }
    return reachable;
}

}  // namespace kiln::firstboot
