#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "harness.hpp"

// A `kiln run` cluster seen from outside its VMs: SSH into a node through its relay port, psql
// through the VIP's relay port, and the cluster's own views of itself (Patroni, etcd).
namespace kiln_e2e {

using kiln_test::CommandOptions;
using kiln_test::CommandResult;
using kiln_test::run_command;
using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A test failed, or a suite's set-up did (which failed_test_count() does not count): the time to
// print what the nodes say.
inline bool something_failed() {
    const auto* unit = ::testing::UnitTest::GetInstance();
    return unit->failed_test_count() > 0 || unit->ad_hoc_test_result().Failed() || unit->Failed();
}

// Polls `ready` every few seconds until it holds or `limit` passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& ready, std::chrono::seconds limit,
                       std::chrono::seconds every = std::chrono::seconds(5)) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (ready()) return true;
        std::this_thread::sleep_for(every);
    }
    return ready();
}

struct Node {
    std::string name;
    std::string address;
    int ssh_port = 0;
};

class Cluster {
public:
    Cluster(std::filesystem::path key, std::filesystem::path pgpass, std::string admin)
        : key_(std::move(key)), pgpass_(std::move(pgpass)), admin_(std::move(admin)) {}

    void adopt(const nlohmann::json& state) {
        nodes_.clear();
        for (const auto& n : state.at("nodes"))
            nodes_.push_back({n.at("name"), n.at("address"), n.at("ssh_port")});
        primary_port_ = state.at("primary_port");
        replica_port_ = state.at("replica_port");
    }
    const std::vector<Node>& nodes() const { return nodes_; }
    const Node& node(const std::string& name) const {
        for (const auto& n : nodes_)
            if (n.name == name) return n;
        throw std::runtime_error("no node " + name);
    }

    // Runs a shell command on a node as the admin user; `input` (a host file) becomes its stdin,
    // which is how passwords reach commands without touching any argv.
    CommandResult ssh(const Node& node, const std::string& command, const std::string& input = "",
                      int timeout = 120) const {
        std::vector<std::string> argv = {"ssh", "-i", key_.string()};
        for (const char* option : {"StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null",
                                   "ConnectTimeout=10", "LogLevel=ERROR", "BatchMode=yes"})
            argv.insert(argv.end(), {"-o", option});
        argv.insert(argv.end(),
                    {"-p", std::to_string(node.ssh_port), admin_ + "@127.0.0.1", command});
        CommandOptions options = stopped_after(timeout);
        if (!input.empty()) options.input = input;
        return run_command(argv, options);
    }

    // psql on the host through the relay to the VIP's :5000 (primary) or :5001 (replicas);
    // `conninfo` adds to the connection string (e.g. "sslmode=disable").
    CommandResult psql_vip(const std::string& sql, bool primary = true, int timeout = 30,
                           const std::string& conninfo = "") const {
        CommandOptions options = stopped_after(timeout);
        options.environment = {"PGPASSFILE=" + pgpass_.string()};
        return run_command(
            {"psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
             "host=127.0.0.1 port=" + std::to_string(primary ? primary_port_ : replica_port_) +
                 " user=postgres dbname=postgres connect_timeout=5 " + conninfo,
             "-c", sql},
            options);
    }

    // etcdctl (v3 API, JSON) on a node against its own client URL, over TLS with the etcd
    // member's certificate (0600, etcd's: hence sudo); `credentials` replaces those flags.
    CommandResult etcdctl(const Node& node, const std::string& arguments,
                          const std::string& credentials = kEtcdCredentials) const {
        return ssh(node, "sudo ETCDCTL_API=3 etcdctl --endpoints=https://" + node.address +
                             ":2379 --dial-timeout=5s " + credentials + " " + arguments);
    }
    static constexpr const char* kEtcdCredentials =
        "--cacert=/etc/kiln/tls/ca.crt --cert=/etc/kiln/tls/etcd/node.crt "
        "--key=/etc/kiln/tls/etcd/node.key";

    // `patronictl list` as JSON from one node: member name -> {Role, State, TL, Host, ...}.
    std::map<std::string, nlohmann::json> patroni_members(const Node& from) const {
        std::map<std::string, nlohmann::json> members;
        auto r = ssh(from, "sudo patronictl -c /etc/patroni/config.yml list -f json 2>/dev/null");
        if (r.exit_code != 0) return members;
        try {
            for (const auto& m : nlohmann::json::parse(r.out)) members[m.at("Member")] = m;
        } catch (const std::exception&) {
        }
        return members;
    }

    // The leader by Patroni's account, asked of each node in turn until one answers.
    std::string leader(const std::string& skip = "") const {
        for (const auto& n : nodes_) {
            if (n.name == skip) continue;
            for (const auto& [name, m] : patroni_members(n))
                if (m.value("Role", "") == "Leader" && m.value("State", "") == "running")
                    return name;
        }
        return "";
    }

    // Every node reports status ok, Patroni sees one running leader, and the leader streams to
    // both replicas.
    bool healthy() const {
        for (const auto& n : nodes_) {
            auto status = ssh(n, "sudo cat /run/kiln/status.json");
            if (status.exit_code != 0 || status.out.find("\"status\": \"ok\"") == std::string::npos)
                return false;
        }
        if (leader().empty()) return false;
        auto streaming =
            psql_vip("select count(*) from pg_stat_replication where state = 'streaming'");
        return streaming.exit_code == 0 && streaming.out == "2\n";
    }

private:
    // A client that hangs (a node mid-failover) is stopped as timeout(1) would stop it; the
    // callers poll, or check the exit code.
    static CommandOptions stopped_after(int seconds) {
        CommandOptions options;
        options.timeout = std::chrono::seconds(seconds);
        options.stop_signal = SIGTERM;
        options.expect_timeout = true;
        return options;
    }

    std::filesystem::path key_;
    std::filesystem::path pgpass_;
    std::string admin_;
    std::vector<Node> nodes_;
    int primary_port_ = 0;
    int replica_port_ = 0;
};

}  // namespace kiln_e2e
