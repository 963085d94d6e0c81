#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "cluster.hpp"
#include "cluster_files.hpp"
#include "row_writer.hpp"

// The leader's VM stalled (`kiln run --pause`, SIGSTOP to its QEMU, as a vMotion stun or a
// storage hiccup does) and continued (`--resume`): what the cluster's failover timing promises
// on either side of the watchdog's timeout (README, Failover timing).
namespace kiln_e2e {

// The image's failover timing as a node has it baked (/etc/kiln/image.yml's `failover`).
struct FailoverTiming {
    int ttl = -1;
    int loop_wait = -1;
    int watchdog_safety_margin = -1;

    int watchdog_timeout() const { return ttl - watchdog_safety_margin; }
    bool known() const { return ttl > 0 && loop_wait > 0 && watchdog_safety_margin >= 0; }
};

inline FailoverTiming failover_timing(const Cluster& cluster, const Node& node) {
    auto setting = [&](const std::string& key) {
        auto r = cluster.ssh(node, "sed -n 's/^  " + key + ": *//p' /etc/kiln/image.yml");
        try {
            return r.exit_code == 0 ? std::stoi(r.out) : -1;
        } catch (const std::exception&) {
            return -1;
        }
    };
    return {setting("ttl"), setting("loop_wait"), setting("watchdog_safety_margin")};
}

// The node's kernel boot id: another one after a stall means the watchdog reset it.
inline std::string boot_id(const Cluster& cluster, const Node& node) {
    auto r = cluster.ssh(node, "cat /proc/sys/kernel/random/boot_id", "", 30);
    return r.exit_code == 0 ? r.out : "";
}

// The leader's timeline by Patroni's account (asked of `from`); -1 when unknown.
inline int leader_timeline(const Cluster& cluster, const Node& from) {
    for (const auto& [name, m] : cluster.patroni_members(from))
        if (m.value("Role", "") == "Leader") return m.value("TL", -1);
    return -1;
}

// The nodes among `nodes` whose PostgreSQL takes writes (not in recovery), asked of each.
inline std::vector<std::string> writable_nodes(const Cluster& cluster,
                                               const std::vector<Node>& nodes) {
    std::vector<std::string> writable;
    for (const auto& n : nodes) {
        auto r =
            cluster.ssh(n, "sudo -u postgres psql -X -At -c 'select pg_is_in_recovery()'", "", 30);
        if (r.exit_code == 0 && r.out == "f\n") writable.push_back(n.name);
    }
    return writable;
}

// `kiln run --pause` / `--resume` on `node`.
inline void signal_node(const std::filesystem::path& state, const std::string& action,
                        const std::string& node) {
    auto r = run_command({kKiln, "run", "--" + action, node, "--state-dir", state.string()});
    EXPECT_EQ(r.exit_code, 0) << action << " " << node << ": " << r.out << r.err;
}

// Pauses `node` for `length`, then resumes it; returns how long it was paused.
inline double pause_for(const std::filesystem::path& state, const std::string& node,
                        std::chrono::seconds length) {
    signal_node(state, "pause", node);
    auto paused_at = Clock::now();
    std::this_thread::sleep_for(length);
    signal_node(state, "resume", node);
    return seconds_since(paused_at);
}

// Acknowledged rows missing from `table` on the leader (through the VIP), of every writer;
// nullopt when the leader cannot be read.
inline std::optional<std::vector<int>> lost_rows(const std::vector<const RowWriter*>& writers) {
    std::vector<int> lost;
    for (const auto* writer : writers) {
        auto missing = writer->lost();
        if (!missing) return std::nullopt;
        lost.insert(lost.end(), missing->begin(), missing->end());
    }
    return lost;
}

// The acknowledgements `server` gave to writes sent at or after `since`.
inline std::vector<RowWriter::Ack> acknowledged_by(const std::vector<const RowWriter*>& writers,
                                                   const std::string& server,
                                                   Clock::time_point since) {
    std::vector<RowWriter::Ack> found;
    for (const auto* writer : writers)
        for (const auto& ack : writer->acks())
            if (ack.server == server && ack.sent >= since) found.push_back(ack);
    return found;
}

}  // namespace kiln_e2e
