#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

// The cluster as Patroni's REST API describes it (GET /cluster, and the leader's GET /patroni
// for who streams from it), and the decisions `kiln run --replace/--rolling` take from it.
namespace kiln::run {

struct PatroniMember {
    std::string name;
    std::string role;   // leader, sync_standby, replica (standby_leader in standby clusters)
    std::string state;  // running, starting, stopped, ...
    std::optional<long long> lag;  // bytes behind the leader; nullopt for the leader or unknown
};

struct ClusterView {
    std::vector<PatroniMember> members;
    std::set<std::string> streaming;  // members the leader streams to, from its pg_stat_replication

    const PatroniMember* leader() const;
    const PatroniMember* member(const std::string& name) const;
    // One running leader, and every other member running and streaming from it.
    bool healthy(std::size_t expected_members) const;
    // What is missing for healthy(), for progress and error messages.
    std::string health_summary(std::size_t expected_members) const;
};

// GET /cluster's body; throws Error on malformed text.
ClusterView parse_cluster(const std::string& json);
// The names in GET /patroni's "replication" list (the leader's view) whose state is streaming.
std::set<std::string> parse_streaming(const std::string& patroni_json);

// The switchover target when `leader` must step down: a running synchronous standby that
// streams, the least lagging first. An error message instead when there is none (a switchover
// to an asynchronous replica could lose acknowledged writes).
struct Candidate {
    std::optional<std::string> name;
    std::string why_none;
};
Candidate switchover_candidate(const ClusterView& view);

// Replacement order for a rolling update: every replica (by name), the leader last.
std::vector<std::string> rolling_order(const ClusterView& view,
                                       const std::vector<std::string>& nodes);

}  // namespace kiln::run
