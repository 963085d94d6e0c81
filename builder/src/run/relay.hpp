#pragma once

#include <string>
#include <vector>

// TCP forwarding from the host's loopback into a network namespace: the only way traffic
// reaches a `kiln run` cluster, whose private network has no route to anything else.
namespace kiln::run {

struct Forward {
    int listen_port;          // on 127.0.0.1 in the caller's namespace
    std::string target_host;  // an IPv4 address inside the namespace
    int target_port;
};

// Binds every port (throws if one is taken), then forks a relay process that serves them
// until killed; returns its pid. `netns_path` is e.g. /run/netns/NAME.
int start_relay(const std::string& netns_path, const std::vector<Forward>& forwards);

// The first port at or above `from` that 127.0.0.1 can bind, skipping `taken`.
int free_port(int from, const std::vector<int>& taken);

}  // namespace kiln::run
