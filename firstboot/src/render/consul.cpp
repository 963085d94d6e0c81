#include <nlohmann/json.hpp>

#include "render/render.hpp"

namespace kiln::firstboot {

// The Consul server agent: one of the peers' ensemble (every peer a server), gossip encrypted
// with the cluster's key, ACLs on and denying by default; the cluster's token (consul_token) is
// the initial management token, which this agent and Patroni use. The package's consul.hcl
// (data_dir /opt/consul, nothing else) is replaced by a note, so consul.json alone configures
// the agent. Every value is a validated name, address, base64 key or UUID.
void render_consul(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    nlohmann::ordered_json retry_join = nlohmann::ordered_json::array();
    for (const auto& p : n.peers)
        if (p.name != n.self.name) retry_join.push_back(p.address);
    nlohmann::ordered_json config = {
        {"node_name", n.short_name},
        {"server", true},
        {"bootstrap_expect", n.peers.size()},
        {"retry_join", retry_join},
        {"bind_addr", n.self.address},
        {"advertise_addr", n.self.address},
        {"client_addr", "127.0.0.1"},  // Patroni talks to its local agent only
        {"data_dir", c.layout.dcs_data.consul.string()},
        {"encrypt", n.consul_encrypt},
        {"ui_config", {{"enabled", false}}},
        {"acl",
         {{"enabled", true},
          {"default_policy", "deny"},
          {"down_policy", "extend-cache"},
          {"enable_token_persistence", true},
          {"tokens", {{"initial_management", n.consul_token}, {"agent", n.consul_token}}}}},
    };
    RenderedFile file{c.layout.consul_config_dir / "consul.json", config.dump(2) + "\n", 0600,
                      "consul", "consul"};
    file.secret = true;
    file.checker = Checker::consul;
    out.files.push_back(std::move(file));
    out.files.push_back(
        {c.layout.consul_config_dir / "consul.hcl",
         "# Written by kiln-firstboot: this agent's configuration is consul.json.\n", 0644});
}

}  // namespace kiln::firstboot
