// The loopback relay of kiln run, here between two ports of this namespace.
#include "run/relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include "kiln/unique_fd.hpp"

namespace {

namespace fs = std::filesystem;
using kiln::UniqueFd;

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

UniqueFd listening(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr = loopback(port);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    return fd;
}

std::set<int> open_descriptors(pid_t pid) {
    std::set<int> fds;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
        fds.insert(std::stoi(entry.path().filename().string()));
    return fds;
}

class Relay : public ::testing::Test {
protected:
    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid_ = -1;
};

// The relay outlives kiln: a descriptor kiln inherited or opened (here one without
// O_CLOEXEC, which a fork keeps) must not stay open in it for the cluster's lifetime.
TEST_F(Relay, ForwardsHoldingOnlyItsSocketsAndNamespaces) {
    if (::geteuid() != 0) GTEST_SKIP() << "entering a network namespace needs root";
    UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    UniqueFd leaked(::fcntl(null.get(), F_DUPFD, 40));
    int target_port = kiln::run::free_port(23000, {});
    UniqueFd target = listening(target_port);
    int relay_port = kiln::run::free_port(target_port + 1, {});
    pid_ = kiln::run::start_relay("/proc/self/ns/net", {{relay_port, "127.0.0.1", target_port}});

    std::set<int> fds;
    for (int i = 0; i < 100; ++i) {
        fds = open_descriptors(pid_);
        if (!fds.contains(leaked.get())) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_FALSE(fds.contains(leaked.get()));
    EXPECT_EQ(fds.size(), 6u) << "0-2, two namespaces, one listener";

    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr = loopback(relay_port);
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    pollfd waiting{target.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&waiting, 1, 5000), 1) << "the relay did not connect to its target";
}

}  // namespace
