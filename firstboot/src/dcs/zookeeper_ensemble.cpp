#include "dcs/zookeeper_ensemble.hpp"

#include <algorithm>
#include <charconv>

namespace kiln::firstboot {

std::vector<ZookeeperServer> zookeeper_ensemble(const std::vector<node::Peer>& peers) {
    std::vector<node::Peer> by_name = peers;
    std::sort(by_name.begin(), by_name.end(),
              [](const node::Peer& a, const node::Peer& b) { return a.name < b.name; });
    std::vector<ZookeeperServer> servers;
    for (std::size_t i = 0; i < by_name.size(); ++i)
        servers.push_back({static_cast<int>(i + 1), by_name[i]});
    return servers;
}

std::optional<int> zookeeper_myid(const std::vector<node::Peer>& peers, std::string_view name) {
    for (const auto& server : zookeeper_ensemble(peers))
        if (server.peer.name == name) return server.id;
    return std::nullopt;
}

std::optional<std::uint64_t> mem_total_kib(std::string_view meminfo) {
    constexpr std::string_view kKey = "MemTotal:";
    for (std::size_t start = 0; start < meminfo.size();) {
        std::size_t end = meminfo.find('\n', start);
        if (end == std::string_view::npos) end = meminfo.size();
        std::string_view line = meminfo.substr(start, end - start);
        start = end + 1;
        if (!line.starts_with(kKey)) continue;
        line.remove_prefix(kKey.size());
        line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
        std::uint64_t kib = 0;
        auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), kib);
        if (ec != std::errc() || ptr == line.data()) return std::nullopt;
        return kib;
    }
    return std::nullopt;
}

std::uint64_t zookeeper_heap_mib(std::optional<std::uint64_t> mem_total_kib) {
    if (!mem_total_kib) return kMinHeapMib;
    return std::clamp<std::uint64_t>(*mem_total_kib / 1024 / 4, kMinHeapMib, kMaxHeapMib);
}

}  // namespace kiln::firstboot
