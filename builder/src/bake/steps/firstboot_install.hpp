#pragma once

#include "bake/context.hpp"

namespace kiln::bake {

// install-firstboot: the kiln-firstboot binary at the path its unit's ExecStart names, the unit
// in /etc/systemd/system, enabled; the admin user (locked password, sudo without password;
// its SSH keys arrive at first boot).
void install_firstboot(Context& ctx);
// write-node-defaults: /etc/kiln/image.yml from the profile's firstboot section.
void write_node_defaults(Context& ctx);
// disable-cluster-services: the cluster's units stay off until first boot configures them.
void disable_cluster_services(Context& ctx);

// The program an ExecStart= line runs (prefixes such as '-', '@', '+', '!' removed).
std::string exec_start_program(const std::string& unit_text);
// The unit kiln installs when the build tree has none (units/kiln-firstboot.service).
std::string fallback_firstboot_unit();

}  // namespace kiln::bake
