#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dcs/etcd_join.hpp"
#include "kiln/failover.hpp"
#include "report/log.hpp"
#include "storage/data_disk.hpp"

// This node's etcd member: how it starts (decided with the running cluster, whose membership it
// changes when it must), and the environment file etcd's unit reads.
namespace kiln::firstboot {

struct EtcdBootstrap {
    std::string state = "new";    // ETCD_INITIAL_CLUSTER_STATE
    std::string initial_cluster;  // ETCD_INITIAL_CLUSTER
    // No member data, configured before, and no running cluster answered: etcd must not found a
    // second cluster. It is set up to join ("existing"), which fails until the cluster answers;
    // the caller asks again later.
    bool waiting = false;
    std::string reason;
};

// A founder's ETCD_INITIAL_CLUSTER: itself alone (the others join its running cluster).
std::string founder_initial_cluster(const MemberIdentity& member);
// https:// with TLS (`member.tls`), http:// without.
std::string peer_url(const std::string& address, bool tls);

// The running cluster's members, asked of the other peers (etcdctl); nullopt when none answers.
std::optional<std::vector<EtcdMember>> running_members(const MemberIdentity& member);

// Decides how the member starts and makes the membership changes that needs (remove this node's
// stale member, add it again). Throws Error when etcdctl fails at a change.
// `has_member_data`: the member's data directory holds its data (DATA_DIR/member exists).
EtcdBootstrap prepare_etcd_member(const MemberIdentity& member, bool has_member_data,
                                  bool configured_before, Log& log);

struct EtcdEnvironment {
    std::string name;
    std::string address;
    std::string cluster_token;
    std::filesystem::path data_dir;
    EtcdBootstrap bootstrap;
    // Peers and clients over TLS with client certificates of the cluster CA.
    bool tls = false;
    failover::Timing timing;  // its etcd heartbeat and election timeout
};
// The environment file's text (Debian /etc/default/etcd, EL /etc/etcd/etcd.conf).
std::string etcd_environment(const EtcdEnvironment& env);

}  // namespace kiln::firstboot
