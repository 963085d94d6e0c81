#include <fmt/format.h>

#include <ranges>

#include "render/render.hpp"

namespace kiln::firstboot {

// The etcd member: an environment file read by the packaged unit (Debian /etc/default/etcd,
// EL /etc/etcd/etcd.conf). Every value is a validated name, address or token.
void render_etcd(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    const std::string self = url_host(n.self.address);
    auto member = [](const node::Peer& p) {
        return fmt::format("{}=http://{}:2380", p.name, url_host(p.address));
    };
    std::string initial = fmt::to_string(fmt::join(n.peers | std::views::transform(member), ","));
    std::string text = "# Written by kiln-firstboot: this node's etcd member.\n";
    auto set = [&](const char* name, const std::string& value) {
        text += std::string(name) + "=\"" + value + "\"\n";
    };
    set("ETCD_NAME", n.self.name);
    set("ETCD_DATA_DIR", c.layout.etcd_data_dir.string());
    set("ETCD_LISTEN_PEER_URLS", "http://" + self + ":2380");
    set("ETCD_LISTEN_CLIENT_URLS", "http://" + self + ":2379,http://127.0.0.1:2379");
    set("ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://" + self + ":2380");
    set("ETCD_ADVERTISE_CLIENT_URLS", "http://" + self + ":2379");
    set("ETCD_INITIAL_CLUSTER", initial);
    set("ETCD_INITIAL_CLUSTER_STATE", "new");
    set("ETCD_INITIAL_CLUSTER_TOKEN", n.cluster);
    out.files.push_back({c.layout.etcd_environment, text});
}

}  // namespace kiln::firstboot
