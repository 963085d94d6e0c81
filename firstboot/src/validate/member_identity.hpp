#pragma once

#include <string>
#include <vector>

#include "kiln/node_schema.hpp"
#include "validate/node_config.hpp"

namespace kiln::firstboot {

// Who this node is in its cluster: what the data disk's marker and the DCS membership need. Kept
// in the stamp, so that later boots (whose metadata may have had its secrets scrubbed) know it.
struct MemberIdentity {
    std::string cluster;
    std::string name;
    std::string dcs;
    std::string address;  // this node's own address, as its peers know it
    std::vector<node::Peer> peers;
    bool tls = false;  // the DCS member speaks TLS with the node's certificate
};

inline MemberIdentity member_identity(const NodeConfig& node) {
    return {node.cluster, node.self.name, node.dcs, node.self.address, node.peers, node.tls};
}

}  // namespace kiln::firstboot
