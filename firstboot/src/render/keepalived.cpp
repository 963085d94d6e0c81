#include "render/render.hpp"

namespace kiln::firstboot {

namespace {
// keepalived clamps priorities to 1-254 and track-script weights to -253..253. A failing
// haproxy subtracts 253: more than any gap between two priorities, so a node without haproxy
// always yields the virtual IP to a node with it.
constexpr int kTrackWeight = -253;
constexpr std::string_view kCheckScript = "/usr/libexec/kiln/check-haproxy";
}  // namespace

void render_keepalived(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    std::string peers;
    for (const auto& p : n.peers)
        if (p.name != n.self.name) peers += "        " + p.address + "\n";
    // VRRP version 3 (IPv6) has no authentication; keepalived rejects the block there.
    std::string authentication;
    if (n.vip_address.find(':') == std::string::npos)
        authentication = "    authentication {\n        auth_type PASS\n        auth_pass " +
                         n.vrrp_password + "\n    }\n";
    std::string text = "# Written by kiln-firstboot: the virtual IP of '" + n.cluster +
                       "'.\n"
                       "global_defs {\n"
                       "    router_id " +
                       n.short_name +
                       "\n"
                       "    enable_script_security\n"
                       "    script_user root\n"
                       "}\n"
                       "\n"
                       "vrrp_script chk_haproxy {\n"
                       "    script \"" +
                       std::string(kCheckScript) +
                       "\"\n"
                       "    interval 2\n"
                       "    fall 2\n"
                       "    rise 2\n"
                       "    weight " +
                       std::to_string(kTrackWeight) +
                       "\n"
                       "}\n"
                       "\n"
                       "vrrp_instance kiln_" +
                       n.cluster +
                       " {\n"
                       "    state BACKUP\n"
                       "    interface " +
                       n.vip_interface +
                       "\n"
                       "    virtual_router_id " +
                       std::to_string(n.vrrp_router_id) +
                       "\n"
                       "    priority " +
                       std::to_string(n.priority) +
                       "\n"
                       "    advert_int " +
                       std::to_string(n.image.failover.vrrp_advert_int) +
                       "\n"
                       "    unicast_src_ip " +
                       n.self.address +
                       "\n"
                       "    unicast_peer {\n" +
                       peers + "    }\n" + authentication +
                       "    virtual_ipaddress {\n"
                       "        " +
                       n.vip + " dev " + n.vip_interface +
                       "\n"
                       "    }\n"
                       "    track_script {\n"
                       "        chk_haproxy\n"
                       "    }\n"
                       "}\n";
    RenderedFile file{"/etc/keepalived/keepalived.conf", text, 0600};
    file.secret = true;
    file.checker = Checker::keepalived;
    out.files.push_back(std::move(file));
}

}  // namespace kiln::firstboot
