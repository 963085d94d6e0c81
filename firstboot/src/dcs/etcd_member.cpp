#include "dcs/etcd_member.hpp"

#include "kiln/error.hpp"
#include "kiln/process.hpp"
#include "render/tls_files.hpp"

namespace kiln::firstboot {

namespace fs = std::filesystem;

namespace {

std::string url_host_of(const std::string& address) {
    return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

std::string scheme(bool tls) {
    return tls ? "https://" : "http://";
}

// etcdctl against the other members' client URLs, v3 API, answers as JSON.
ProcessResult etcdctl(const MemberIdentity& member, std::vector<std::string> command) {
    std::string endpoints;
    for (const auto& p : member.peers)
        if (p.name != member.name)
            endpoints += (endpoints.empty() ? "" : ",") + scheme(member.tls) +
                         url_host_of(p.address) + ":2379";
    std::vector<std::string> argv = {
        "etcdctl", "--endpoints=" + endpoints, "--dial-timeout=3s", "--command-timeout=10s", "-w",
        "json"};
    if (member.tls) {
        // The etcd member's own client certificate (kiln-firstboot runs as root).
        const auto files = tls_files::for_service("etcd");
        argv.push_back("--cacert=" + tls_files::kCa.string());
        argv.push_back("--cert=" + files.certificate.string());
        argv.push_back("--key=" + files.key.string());
    }
    argv.insert(argv.end(), command.begin(), command.end());
    return run_process(
        {.argv = argv, .env = {"ETCDCTL_API=3"}, .timeout = std::chrono::seconds(30)});
}

}  // namespace

std::string peer_url(const std::string& address, bool tls) {
    return scheme(tls) + url_host_of(address) + ":2380";
}

std::string founder_initial_cluster(const MemberIdentity& member) {
    return member.name + "=" + peer_url(member.address, member.tls);
}

std::optional<std::vector<EtcdMember>> running_members(const MemberIdentity& member) {
    if (member.peers.size() < 2) return std::nullopt;
    auto result = etcdctl(member, {"member", "list"});
    if (!result.succeeded()) return std::nullopt;
    try {
        return parse_member_list(result.out);
    } catch (const Error&) {
        return std::nullopt;
    }
}

EtcdBootstrap prepare_etcd_member(const MemberIdentity& member, bool has_member_data,
                                  bool configured_before, Log& log) {
    EtcdJoinFacts facts;
    facts.has_member_data = has_member_data;
    facts.self_name = member.name;
    facts.self_peer_url = peer_url(member.address, member.tls);
    facts.configured_before = configured_before;
    facts.founder = !member.peers.empty() && member.peers.front().name == member.name;
    if (!facts.has_member_data) facts.running = running_members(member);
    EtcdJoinPlan plan = plan_etcd_join(facts);

    EtcdBootstrap out;
    out.reason = plan.reason;
    out.initial_cluster = founder_initial_cluster(member);
    switch (plan.start) {
        case EtcdStart::member_data:
        case EtcdStart::found:
            return out;
        case EtcdStart::wait:
            out.state = "existing";
            out.waiting = true;
            return out;
        case EtcdStart::join:
            break;
    }
    std::vector<EtcdMember> members = *facts.running;
    if (plan.remove_stale) {
        auto removed = etcdctl(member, {"member", "remove", member_id_hex(*plan.remove_stale)});
        if (!removed.succeeded())
            return {"existing",
                    {},
                    true,
                    "cannot remove this node's stale etcd member yet (" + removed.ending() +
                        "): retrying"};
        log.info("removed the stale etcd member " + member_id_hex(*plan.remove_stale) + " of " +
                 member.name);
    }
    if (plan.add_self) {
        auto added =
            etcdctl(member, {"member", "add", member.name, "--peer-urls=" + facts.self_peer_url});
        // etcd refuses a second new member until the first has started (strict reconfiguration
        // check): nodes powered on together take turns.
        if (!added.succeeded())
            return {"existing",
                    {},
                    true,
                    "the etcd cluster does not take this member yet (" + added.ending() +
                        "): retrying"};
        members = parse_member_list(added.out);
        log.info("added " + member.name + " to the running etcd cluster");
    }
    out.state = "existing";
    out.initial_cluster = initial_cluster_for_join(members, member.name, facts.self_peer_url);
    return out;
}

std::string etcd_environment(const EtcdEnvironment& e) {
    const std::string self = url_host_of(e.address);
    std::string text = "# Written by kiln-firstboot: this node's etcd member.\n";
    auto set = [&](const char* name, const std::string& value) {
        text += std::string(name) + "=\"" + value + "\"\n";
    };
    set("ETCD_NAME", e.name);
    set("ETCD_DATA_DIR", e.data_dir.string());
    const std::string s = scheme(e.tls);
    set("ETCD_LISTEN_PEER_URLS", s + self + ":2380");
    set("ETCD_LISTEN_CLIENT_URLS", s + self + ":2379," + s + "127.0.0.1:2379");
    set("ETCD_INITIAL_ADVERTISE_PEER_URLS", s + self + ":2380");
    set("ETCD_ADVERTISE_CLIENT_URLS", s + self + ":2379");
    set("ETCD_INITIAL_CLUSTER", e.bootstrap.initial_cluster);
    set("ETCD_INITIAL_CLUSTER_STATE", e.bootstrap.state);
    set("ETCD_INITIAL_CLUSTER_TOKEN", e.cluster_token);
    // A member back from a stall or a partition asks before it campaigns, so its return does
    // not depose a working etcd leader and hold every proposal (Patroni's key) up meanwhile.
    set("ETCD_PRE_VOTE", "true");
    set("ETCD_HEARTBEAT_INTERVAL", std::to_string(e.timing.etcd_heartbeat_ms));
    set("ETCD_ELECTION_TIMEOUT", std::to_string(e.timing.etcd_election_ms));
    if (e.tls) {
        // Clients and peers alike must present a certificate of the cluster CA.
        const auto files = tls_files::for_service("etcd");
        for (const char* prefix : {"ETCD_", "ETCD_PEER_"}) {
            const std::string p = prefix;
            set((p + "CERT_FILE").c_str(), files.certificate.string());
            set((p + "KEY_FILE").c_str(), files.key.string());
            set((p + "TRUSTED_CA_FILE").c_str(), tls_files::kCa.string());
            set((p + "CLIENT_CERT_AUTH").c_str(), "true");
        }
    }
    return text;
}

}  // namespace kiln::firstboot
