#include <fmt/format.h>

#include "render/render.hpp"
#include "render/text_edit.hpp"

namespace kiln::firstboot {

// Static networking when `address` is given (DHCP otherwise: nothing written).
void render_network(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    if (!n.address || !n.interface) return;
    const std::string& iface = *n.interface;
    const std::string ip = n.address->substr(0, n.address->find('/'));
    const std::string prefix = n.address->substr(n.address->find('/') + 1);
    const std::string dns = fmt::to_string(fmt::join(n.dns, " "));
    switch (n.image.network) {
        case image::NetworkBackend::ifupdown: {
            bool v6 = ip.find(':') != std::string::npos;
            std::string text = "# Written by kiln-firstboot: static address of " + iface + ".\n";
            text += "auto " + iface + "\niface " + iface + (v6 ? " inet6" : " inet") + " static\n";
            text += "    address " + *n.address + "\n";
            if (n.gateway) text += "    gateway " + *n.gateway + "\n";
            if (!dns.empty()) text += "    dns-nameservers " + dns + "\n";
            out.files.push_back({"/etc/network/interfaces.d/60-kiln-" + iface, text});
            out.network_unit = "networking.service";
            // A DHCP stanza for the same interface in the main file would fight ours.
            std::string main = existing_file(c, "/etc/network/interfaces");
            std::string edited = disable_ifupdown_stanzas(main, iface);
            if (edited != main) out.files.push_back({"/etc/network/interfaces", edited});
            break;
        }
        case image::NetworkBackend::networkd: {
            std::string text = "# Written by kiln-firstboot: static address of " + iface + ".\n";
            text += "[Match]\nName=" + iface + "\n\n[Network]\nAddress=" + *n.address + "\n";
            if (n.gateway) text += "Gateway=" + *n.gateway + "\n";
            for (const auto& d : n.dns) text += "DNS=" + d + "\n";
            out.files.push_back({"/etc/systemd/network/10-kiln-" + iface + ".network", text});
            out.network_unit = "systemd-networkd.service";
            break;
        }
        case image::NetworkBackend::ifcfg: {
            std::string text = "# Written by kiln-firstboot: static address of " + iface + ".\n";
            text += "DEVICE=" + iface + "\nBOOTPROTO=none\nONBOOT=yes\n";
            text += "IPADDR=" + ip + "\nPREFIX=" + prefix + "\n";
            if (n.gateway) text += "GATEWAY=" + *n.gateway + "\n";
            for (std::size_t i = 0; i < n.dns.size(); ++i)
                text += "DNS" + std::to_string(i + 1) + "=" + n.dns[i] + "\n";
            out.files.push_back({"/etc/sysconfig/network-scripts/ifcfg-" + iface, text});
            out.network_unit = "network.service";
            break;
        }
    }
}

}  // namespace kiln::firstboot
