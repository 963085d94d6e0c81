// kiln run's HTTP client for real: a TLS server in a network namespace of its own that demands a
// client certificate of the cluster CA (as Patroni's REST API does for a switchover) answers
// only a request that presents one kiln issued.
#include "run/netns_http.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <thread>

#include "command.hpp"
#include "harness.hpp"
#include "pki/authority.hpp"

namespace fs = std::filesystem;
using kiln_test::CommandOptions;
using kiln_test::run_command;

namespace {

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

class NetnsHttpTls : public ::testing::Test {
protected:
    kiln_test::Scratch scratch{"netns-http"};
    std::string netns = "kiln-test-http-" + std::to_string(::getpid());
    kiln::pki::Authority ca = kiln::pki::load_or_create_authority(scratch.path / "pki", "test");

    void SetUp() override {
        ASSERT_EQ(run_command({"ip", "netns", "add", netns}).exit_code, 0);
        ASSERT_EQ(run_command({"ip", "-n", netns, "link", "set", "lo", "up"}).exit_code, 0);
        auto server = kiln::pki::issue_node_certificate(ca, {"localhost", {}});
        write_file(scratch.path / "server.crt", server.certificate_pem);
        write_file(scratch.path / "server.key", server.key_pem);
    }
    void TearDown() override { run_command({"ip", "netns", "delete", netns}); }

    // openssl s_server demanding a client certificate of the CA, for `requests` connections.
    std::future<kiln_test::CommandResult> serve(int requests) {
        CommandOptions limit;
        limit.timeout = std::chrono::seconds(60);
        limit.expect_timeout = true;
        std::vector<std::string> argv = {
            "ip",
            "netns",
            "exec",
            netns,
            "openssl",
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            "127.0.0.1:8443",
            "-cert",
            (scratch.path / "server.crt").string(),
            "-key",
            (scratch.path / "server.key").string(),
            "-CAfile",
            (scratch.path / "pki" / kiln::pki::kCaCertificateFile).string(),
            "-Verify",
            "1",
            "-verify_return_error",
            "-naccept",
            std::to_string(requests)};
        auto running =
            std::async(std::launch::async, [argv, limit] { return run_command(argv, limit); });
        for (int i = 0; i < 100; ++i) {
            auto listening =
                run_command({"ip", "netns", "exec", netns, "ss", "-Hltn", "sport = :8443"});
            if (!listening.out.empty()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return running;
    }

    kiln::run::HttpResponse get(std::optional<kiln::run::ClientCertificate> client) {
        kiln::run::NetnsHttp http("/run/netns/" + netns,
                                  (scratch.path / "pki" / kiln::pki::kCaCertificateFile).string(),
                                  std::move(client));
        return http.get("https://127.0.0.1:8443/", std::chrono::seconds(10));
    }
};

TEST_F(NetnsHttpTls, ACertificateOfTheClusterCaIsPresentedAndAccepted) {
    auto server = serve(3);
    auto mine = kiln::pki::issue_node_certificate(ca, {"kiln-run", {}});
    auto accepted = get(kiln::run::ClientCertificate{mine.certificate_pem, mine.key_pem});
    EXPECT_EQ(accepted.status, 200) << accepted.error << accepted.body;

    auto without = get(std::nullopt);
    EXPECT_NE(without.status, 200) << without.body;

    kiln::pki::Authority other =
        kiln::pki::load_or_create_authority(scratch.path / "other-pki", "other");
    auto foreign = kiln::pki::issue_node_certificate(other, {"intruder", {}});
    auto refused = get(kiln::run::ClientCertificate{foreign.certificate_pem, foreign.key_pem});
    EXPECT_NE(refused.status, 200) << refused.body;
    server.wait();
}

}  // namespace
