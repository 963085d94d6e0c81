#pragma once

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

using kiln_test::run_shell;
using kiln_test::shell_quote;
using kiln_test::ToolRun;
using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
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
    ToolRun ssh(const Node& node, const std::string& command, const std::string& input = "",
                int timeout = 120) const {
        return run_shell(
            "timeout " + std::to_string(timeout) + " ssh -i " + shell_quote(key_.string()) +
            " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
            " -o ConnectTimeout=10 -o LogLevel=ERROR -o BatchMode=yes -p " +
            std::to_string(node.ssh_port) + " " + admin_ + "@127.0.0.1 " + shell_quote(command) +
            (input.empty() ? " </dev/null" : " <" + shell_quote(input)));
    }

    // psql on the host through the relay to the VIP's :5000 (primary) or :5001 (replicas).
    ToolRun psql_vip(const std::string& sql, bool primary = true, int timeout = 30) const {
        return run_shell(
            "PGPASSFILE=" + shell_quote(pgpass_.string()) + " timeout " + std::to_string(timeout) +
            " psql -X -At -v ON_ERROR_STOP=1 \"host=127.0.0.1 port=" +
            std::to_string(primary ? primary_port_ : replica_port_) +
            " user=postgres dbname=postgres connect_timeout=5\" -c " + shell_quote(sql));
    }

    // `patronictl list` as JSON from one node: member name -> {Role, State, TL, Host, ...}.
    std::map<std::string, nlohmann::json> patroni_members(const Node& from) const {
        std::map<std::string, nlohmann::json> members;
        auto r = ssh(from, "sudo patronictl -c /etc/patroni/config.yml list -f json 2>/dev/null");
        if (r.status != 0) return members;
        try {
            for (const auto& m : nlohmann::json::parse(r.output)) members[m.at("Member")] = m;
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

private:
    std::filesystem::path key_;
    std::filesystem::path pgpass_;
    std::string admin_;
    std::vector<Node> nodes_;
    int primary_port_ = 0;
    int replica_port_ = 0;
};

}  // namespace kiln_e2e
