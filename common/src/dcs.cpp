#include "kiln/dcs.hpp"

#include <algorithm>
#include <array>

#include "kiln/enum_names.hpp"

namespace kiln::dcs {

namespace {

// Every running member listens there: ZooKeeper's election port (only its leader listens on the
// quorum port, 2888), Consul's Serf LAN port.
constexpr std::array<Server, 3> kServers = {{
    {"etcd", "etcd.service", "etcd", "etcd", 2380},
    {"zookeeper", "zookeeper.service", "zookeeper", "zookeeper", 3888},
    {"consul", "consul.service", "consul", "consul", 8301},
}};

}  // namespace

std::span<const Server> servers() {
    return kServers;
}

const Server* find(std::string_view name) {
    auto it = std::find_if(kServers.begin(), kServers.end(),
                           [&](const Server& s) { return s.name == name; });
    return it == kServers.end() ? nullptr : &*it;
}

std::string names() {
    std::vector<std::string> list;
    for (const auto& s : kServers) list.emplace_back(s.name);
    return one_of(list);
}

bool is_server_unit(std::string_view unit) {
    return std::any_of(kServers.begin(), kServers.end(),
                       [&](const Server& s) { return s.unit == unit; });
}

std::vector<std::string> start_order(const std::vector<std::string>& services,
                                     const Server& chosen) {
    std::vector<std::string> order;
    bool placed = false;
    for (const auto& unit : services) {
        if (!is_server_unit(unit)) {
            order.push_back(unit);
        } else if (!placed) {
            order.emplace_back(chosen.unit);
            placed = true;
        }
    }
    if (!placed) order.insert(order.begin(), std::string(chosen.unit));
    return order;
}

}  // namespace kiln::dcs
