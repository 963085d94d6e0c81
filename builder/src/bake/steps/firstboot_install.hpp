#pragma once

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// install-firstboot: the kiln-firstboot binary at the path its unit's ExecStart names, the unit
// in /etc/systemd/system, enabled; the admin user (locked password, sudo without password;
// its SSH keys arrive at first boot). Refuses files that changed since the plan digested them.
// Failures point at `where` (the firstboot section).
void install_firstboot(Context& ctx, const plan::InstallFirstboot& install, const Location& where);
// write-node-defaults: /etc/kiln/image.yml from the profile's firstboot section.
void write_node_defaults(Context& ctx, const plan::WriteNodeDefaults& defaults);
// disable-cluster-services: the cluster's units stay off until first boot configures them.
void disable_cluster_services(Context& ctx, const plan::DisableClusterServices& services);
// The data disk's mount unit and each cluster service's requirement on it.
void configure_data_disk(Context& ctx, const plan::ConfigureDataDisk& data_disk);
// The mount unit's text (by label, nofail).
std::string data_disk_mount_unit(const plan::DataDiskSpec& disk);

// The program an ExecStart= line runs (prefixes such as '-', '@', '+', '!' removed).
std::string exec_start_program(const std::string& unit_text);

}  // namespace kiln::bake
