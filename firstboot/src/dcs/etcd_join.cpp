#include "dcs/etcd_join.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "kiln/error.hpp"

namespace kiln::firstboot {

namespace {

const EtcdMember* find_self(const std::vector<EtcdMember>& members, const EtcdJoinFacts& facts) {
    for (const auto& m : members)
        if (std::find(m.peer_urls.begin(), m.peer_urls.end(), facts.self_peer_url) !=
            m.peer_urls.end())
            return &m;
    for (const auto& m : members)
        if (!m.name.empty() && m.name == facts.self_name) return &m;
    return nullptr;
}

}  // namespace

EtcdJoinPlan plan_etcd_join(const EtcdJoinFacts& facts) {
    if (facts.has_member_data)
        return {EtcdStart::member_data, {}, false, "member data present: etcd rejoins as itself"};
    if (!facts.running) {
        if (facts.configured_before)
            return {EtcdStart::wait,
                    {},
                    false,
                    "no member data and no running cluster answers: waiting for the cluster "
                    "instead of founding a second one"};
        if (!facts.founder)
            return {EtcdStart::wait,
                    {},
                    false,
                    "no cluster answers yet: waiting for its founder to start it, then joining"};
        return {EtcdStart::found, {}, false, "no cluster answers yet: founding it"};
    }
    const EtcdMember* self = find_self(*facts.running, facts);
    if (!self) return {EtcdStart::join, {}, true, "joining the running cluster as a new member"};
    if (self->name.empty())
        return {EtcdStart::join,
                {},
                false,
                "the running cluster lists this member, not started yet: joining it"};
    return {EtcdStart::join, self->id, true,
            "the running cluster lists this member but its data is gone: replacing the member"};
}

std::vector<EtcdMember> parse_member_list(const std::string& text) {
    std::vector<EtcdMember> members;
    try {
        auto json = nlohmann::json::parse(text);
        for (const auto& m : json.at("members")) {
            EtcdMember member;
            member.id = m.at("ID").get<std::uint64_t>();
            member.name = m.value("name", "");
            if (m.contains("peerURLs"))
                member.peer_urls = m.at("peerURLs").get<std::vector<std::string>>();
            members.push_back(std::move(member));
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("cannot read etcd's member list: ") + e.what());
    }
    return members;
}

std::string initial_cluster_for_join(const std::vector<EtcdMember>& members,
                                     const std::string& self_name,
                                     const std::string& self_peer_url) {
    std::string out;
    bool self_listed = false;
    for (const auto& m : members) {
        bool self =
            std::find(m.peer_urls.begin(), m.peer_urls.end(), self_peer_url) != m.peer_urls.end();
        std::string name = self             ? self_name
                           : m.name.empty() ? "unstarted-" + member_id_hex(m.id)
                                            : m.name;
        self_listed = self_listed || self;
        for (const auto& url : m.peer_urls) out += (out.empty() ? "" : ",") + name + "=" + url;
    }
    if (!self_listed) out += (out.empty() ? "" : ",") + self_name + "=" + self_peer_url;
    return out;
}

std::string member_id_hex(std::uint64_t id) {
    char text[32];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(id));
    return text;
}

}  // namespace kiln::firstboot
