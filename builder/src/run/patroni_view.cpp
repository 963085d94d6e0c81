#include "run/patroni_view.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "kiln/error.hpp"

namespace kiln::run {

const PatroniMember* ClusterView::leader() const {
    for (const auto& m : members)
        if (m.role == "leader" || m.role == "standby_leader") return &m;
    return nullptr;
}

const PatroniMember* ClusterView::member(const std::string& name) const {
    for (const auto& m : members)
        if (m.name == name) return &m;
    return nullptr;
}

std::string ClusterView::health_summary(std::size_t expected_members) const {
    const PatroniMember* lead = leader();
    if (!lead) return "no leader";
    if (lead->state != "running") return "leader " + lead->name + " is " + lead->state;
    std::string missing;
    for (const auto& m : members) {
        if (&m == lead) continue;
        std::string problem;
        if (m.state != "running")
            problem = m.state.empty() ? "no state" : m.state;
        else if (!streaming.contains(m.name))
            problem = "not streaming";
        if (!problem.empty()) missing += (missing.empty() ? "" : ", ") + m.name + " " + problem;
    }
    if (members.size() < expected_members)
        missing += (missing.empty() ? "" : ", ") + std::to_string(members.size()) + " of " +
                   std::to_string(expected_members) + " members registered";
    return missing.empty() ? "healthy (leader " + lead->name + ")" : missing;
}

bool ClusterView::healthy(std::size_t expected_members) const {
    return health_summary(expected_members).starts_with("healthy");
}

ClusterView parse_cluster(const std::string& text) {
    ClusterView view;
    try {
        auto json = nlohmann::json::parse(text);
        for (const auto& m : json.at("members")) {
            PatroniMember member{m.at("name").get<std::string>(), m.value("role", ""),
                                 m.value("state", ""), std::nullopt};
            if (auto lag = m.find("lag"); lag != m.end() && lag->is_number_integer())
                member.lag = lag->get<long long>();
            view.members.push_back(std::move(member));
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("cannot read Patroni's cluster view: ") + e.what());
    }
    return view;
}

std::set<std::string> parse_streaming(const std::string& text) {
    std::set<std::string> names;
    try {
        auto json = nlohmann::json::parse(text);
        if (auto list = json.find("replication"); list != json.end() && list->is_array())
            for (const auto& r : *list)
                if (r.value("state", "") == "streaming")
                    names.insert(r.value("application_name", ""));
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("cannot read Patroni's status: ") + e.what());
    }
    return names;
}

Candidate switchover_candidate(const ClusterView& view) {
    const PatroniMember* best = nullptr;
    for (const auto& m : view.members) {
        if (m.role != "sync_standby" || m.state != "running" || !view.streaming.contains(m.name))
            continue;
        if (!best || m.lag.value_or(0) < best->lag.value_or(0)) best = &m;
    }
    if (best) return {best->name, {}};
    return {std::nullopt,
            "no running synchronous standby streams from the leader (a switchover to an "
            "asynchronous replica could lose acknowledged writes)"};
}

std::vector<std::string> rolling_order(const ClusterView& view,
                                       const std::vector<std::string>& nodes) {
    std::vector<std::string> order(nodes);
    std::sort(order.begin(), order.end());
    const PatroniMember* lead = view.leader();
    if (lead) {
        auto it = std::find(order.begin(), order.end(), lead->name);
        if (it != order.end()) std::rotate(it, it + 1, order.end());
    }
    return order;
}

}  // namespace kiln::run
