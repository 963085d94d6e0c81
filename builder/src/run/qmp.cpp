#include "run/qmp.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::run {

namespace {

using Clock = std::chrono::steady_clock;

class QmpConnection {
public:
    QmpConnection(const std::filesystem::path& socket, std::chrono::seconds timeout)
        : deadline_(Clock::now() + timeout), path_(socket) {
        fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd_) throw SystemError("socket", errno);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (socket.string().size() >= sizeof address.sun_path)
            throw Error("QMP socket path too long: " + socket.string());
        std::strncpy(address.sun_path, socket.c_str(), sizeof address.sun_path - 1);
        if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw SystemError("cannot connect to QEMU's control socket " + socket.string(), errno);
        read_message();  // the greeting
        execute(R"({"execute":"qmp_capabilities"})");
    }

    nlohmann::json execute(const std::string& command) {
        std::string line = command + "\n";
        if (::send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(line.size()))
            throw SystemError("cannot write to " + path_.string(), errno);
        for (;;) {
            nlohmann::json reply = read_message();
            if (reply.contains("event")) continue;
            if (reply.contains("error"))
                throw Error("QEMU refused " + command + ": " + reply["error"].dump());
            if (reply.contains("return")) return reply["return"];
        }
    }

private:
    nlohmann::json read_message() {
        for (;;) {
            if (auto end = buffer_.find('\n'); end != std::string::npos) {
                std::string line = buffer_.substr(0, end);
                buffer_.erase(0, end + 1);
                try {
                    return nlohmann::json::parse(line);
                } catch (const nlohmann::json::exception& e) {
                    throw Error("QEMU's control socket sent what is not JSON: " +
                                std::string(e.what()));
                }
            }
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
            if (left.count() <= 0) throw Error("QEMU's control socket did not answer in time");
            pollfd p{fd_.get(), POLLIN, 0};
            int rc = ::poll(&p, 1, static_cast<int>(left.count()));
            if (rc < 0 && errno == EINTR) continue;
            if (rc < 0) throw SystemError("poll", errno);
            if (rc == 0) continue;
            char chunk[4096];
            ssize_t n = ::read(fd_.get(), chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw Error("QEMU closed its control socket " + path_.string());
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    Clock::time_point deadline_;
    std::filesystem::path path_;
    UniqueFd fd_;
    std::string buffer_;
};

}  // namespace

std::string qmp_execute(const std::filesystem::path& socket, const std::string& command,
                        std::chrono::seconds timeout) {
    QmpConnection connection(socket, timeout);
    return connection.execute(command).dump();
}

void qmp_powerdown(const std::filesystem::path& socket, std::chrono::seconds timeout) {
    qmp_execute(socket, R"({"execute":"system_powerdown"})", timeout);
}

}  // namespace kiln::run
