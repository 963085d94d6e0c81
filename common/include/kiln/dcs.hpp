#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

// The DCS servers an image can carry and a cluster can choose (metadata `dcs`): the one table
// the builder (profile `firstboot.dcs_servers`, the units it bakes) and kiln-firstboot (which
// unit starts, which stay masked, where the member keeps its data) both read.
namespace kiln::dcs {

struct Server {
    std::string_view name;         // the metadata's `dcs` value and a dcs_servers item
    std::string_view unit;         // its systemd unit
    std::string_view account;      // the user its data belongs to
    std::string_view data_folder;  // its folder on the data disk
    int peer_port;                 // where every running member answers its peers (waiting reports)
};

std::span<const Server> servers();
const Server* find(std::string_view name);
// "one of etcd, zookeeper, consul": for messages.
std::string names();
bool is_server_unit(std::string_view unit);

// The units a node starts, in order: `services` with every DCS server's unit taken out and the
// chosen server's unit in the place of the first one (first of all when `services` names none).
std::vector<std::string> start_order(const std::vector<std::string>& services,
                                     const Server& chosen);

}  // namespace kiln::dcs
