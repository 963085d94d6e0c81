#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// How this node's etcd member starts: from its own member data, as the founder of a new cluster,
// or by joining the running cluster through its membership API. One node founds (the first of
// the peers, the same on every node), alone: a cluster that lists members which never started
// keeps etcd's cluster version at 3.0, and Patroni then talks a v3alpha API that etcd 3.4 no
// longer serves. Every other node joins once the founder's cluster answers, so that nodes can be
// powered on in any order and at any time. A node that comes back with an empty etcd directory
// never starts a second cluster beside the first.
namespace kiln::firstboot {

struct EtcdMember {
    std::uint64_t id = 0;
    std::string name;  // empty for a member that was added but never started
    std::vector<std::string> peer_urls;
};

enum class EtcdStart {
    member_data,  // the data directory holds this member: etcd knows its cluster
    found,        // the founder of a new, one-member cluster (ETCD_INITIAL_CLUSTER_STATE=new)
    join,         // a new member of the running cluster (=existing)
    wait,         // no member data and no cluster answers: not the founder, or configured before
};

struct EtcdJoinPlan {
    EtcdStart start = EtcdStart::found;
    std::optional<std::uint64_t> remove_stale;  // this node's old member, to remove first
    bool add_self = false;                      // `member add` before starting
    std::string reason;                         // one line for the log and the status
};

struct EtcdJoinFacts {
    bool has_member_data = false;
    // The running cluster's members, as one of the peers answered; nullopt when none did (a
    // cluster that has not formed yet serves no client, so founders see nullopt).
    std::optional<std::vector<EtcdMember>> running;
    std::string self_name;
    std::string self_peer_url;
    bool configured_before = false;  // this member has been configured before (stamp, data disk)
    bool founder = false;            // the first of the peers: the one that founds the cluster
};

EtcdJoinPlan plan_etcd_join(const EtcdJoinFacts& facts);

// `etcdctl member list -w json` (and member add's) output; throws Error on malformed text.
std::vector<EtcdMember> parse_member_list(const std::string& json);

// ETCD_INITIAL_CLUSTER for a joining member: exactly the cluster's membership (etcd checks that
// the URLs match), this node under its own name, never-started others under a stable stand-in.
// (A founder's is itself alone.)
std::string initial_cluster_for_join(const std::vector<EtcdMember>& members,
                                     const std::string& self_name,
                                     const std::string& self_peer_url);

// etcdctl takes member ids in hex.
std::string member_id_hex(std::uint64_t id);

}  // namespace kiln::firstboot
