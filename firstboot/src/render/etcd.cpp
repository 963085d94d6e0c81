#include "dcs/etcd_member.hpp"
#include "render/render.hpp"

namespace kiln::firstboot {

// The etcd member's environment file, read by the packaged unit. Every value is a validated
// name, address or token.
void render_etcd(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    out.files.push_back(
        {c.layout.etcd_environment,
         etcd_environment({n.self.name, n.self.address, n.cluster, c.layout.dcs_data.etcd,
                           c.etcd_bootstrap, n.tls, n.image.failover})});
}

}  // namespace kiln::firstboot
