#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "kiln/node_schema.hpp"

namespace kiln::firstboot {

// How many of the peers accept a TCP connection on `port` within `timeout` each (tried at once):
// the members whose DCS server runs, for "waiting for quorum (1 of 3 members)".
std::size_t reachable_peers(const std::vector<node::Peer>& peers, int port,
                            std::chrono::milliseconds timeout);

}  // namespace kiln::firstboot
