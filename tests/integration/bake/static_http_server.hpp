#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

// A folder served over HTTP/1.1 on 127.0.0.1 (GET only, keep-alive, pipelined requests answered
// in order), for the guests of a test: the libguestfs appliance's user network reaches the host's
// loopback at 169.254.2.2. One connection at a time, which is how apt fetches from one host.
namespace kiln_test {

class StaticHttpServer {
public:
    explicit StaticHttpServer(const std::filesystem::path& root)
        : root_(std::filesystem::absolute(root).lexically_normal()) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_, 8) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            return;
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~StaticHttpServer() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (listener_ >= 0) ::close(listener_);
    }
    StaticHttpServer(const StaticHttpServer&) = delete;
    StaticHttpServer& operator=(const StaticHttpServer&) = delete;

    int port() const { return port_; }  // 0 when the server could not start
    int requests() const { return requests_; }

private:
    // Waits up to 200 ms for `fd` to be readable, so that the thread notices stop_.
    bool readable(int fd) const {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, 200) > 0;
    }

    void serve() {
        while (!stop_) {
            if (!readable(listener_)) continue;
            int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (connection < 0) continue;
            answer(connection);
            ::close(connection);
        }
    }

    void answer(int connection) {
        std::string buffer;
        char chunk[4096];
        while (!stop_) {
            std::size_t end;
            while ((end = buffer.find("\r\n\r\n")) != std::string::npos) {
                std::string request = buffer.substr(0, end);
                buffer.erase(0, end + 4);
                if (!respond(connection, request)) return;
            }
            if (!readable(connection)) continue;
            ssize_t n = ::read(connection, chunk, sizeof chunk);
            if (n <= 0) return;
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }

    bool respond(int connection, const std::string& request) {
        ++requests_;
        std::istringstream line(request.substr(0, request.find("\r\n")));
        std::string method, target;
        line >> method >> target;
        std::filesystem::path file =
            (root_ / std::filesystem::path(target.substr(0, target.find('?'))).relative_path())
                .lexically_normal();
        bool inside = file.string().starts_with(root_.string() + "/");
        std::string body, status = "404 Not Found";
        if (method == "GET" && inside && std::filesystem::is_regular_file(file)) {
            std::ifstream in(file, std::ios::binary);
            std::ostringstream content;
            content << in.rdbuf();
            body = content.str();
            status = "200 OK";
        }
        std::string reply = "HTTP/1.1 " + status +
                            "\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\nContent-Type: application/octet-stream\r\n\r\n" + body;
        for (std::size_t sent = 0; sent < reply.size();) {
            ssize_t n = ::send(connection, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    std::filesystem::path root_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::thread thread_;
};

}  // namespace kiln_test
