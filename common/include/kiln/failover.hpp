#pragma once

#include <array>
#include <string>
#include <string_view>

#include "kiln/diagnostics.hpp"
#include "kiln/yaml_tree.hpp"

// How fast a dead leader is replaced and how long a stalled one may pause without being
// deposed: Patroni's timing, its watchdog, haproxy's health checks and keepalived's adverts,
// chosen together in one place (the profile's `firstboot.failover`, baked into image.yml's
// `failover`). README, "Failover timing", explains each default.
namespace kiln::failover {

struct Timing {
    int ttl = 20;           // s: the leader key's lifetime (Patroni bootstrap.dcs)
    int loop_wait = 2;      // s: Patroni's loop period; the leader renews its key once a loop
    int retry_timeout = 9;  // s: a DCS or PostgreSQL call retried this long before giving up
    int watchdog_safety_margin = 3;  // s: the watchdog fires this long before the key expires
    int haproxy_check_interval = 1;  // s between haproxy's checks of Patroni's REST API
    int haproxy_fall = 2;            // failed checks that mark a backend down
    int haproxy_rise = 1;            // passed checks that mark it up
    int vrrp_advert_int = 1;         // s between keepalived's VRRP adverts
    int etcd_heartbeat_ms = 200;     // ms between the etcd leader's heartbeats
    int etcd_election_ms = 1000;     // ms an etcd follower waits for one before it campaigns

    // When the watchdog resets a leader whose loop stopped: ttl - safety_margin after its last
    // keepalive, the key's renewal.
    int watchdog_timeout() const { return ttl - watchdog_safety_margin; }
    bool operator==(const Timing&) const = default;
};

struct Setting {
    std::string_view key;
    int Timing::*field;
    int min;
    int max;
};

// Every setting, in the order image.yml writes them.
const std::array<Setting, 10>& settings();

// Reads a `failover` mapping (`context` is its key path, "firstboot.failover"): each setting an
// integer in its range (an absent one keeps its default), then the relations Patroni documents
// between them. Every problem is reported at the value it concerns.
Timing read(const yaml::Node& node, const std::string& context, Report& report);

// "key=value" lines in settings() order: the plan digest's text and image.yml's content.
std::string canonical(const Timing& timing);

}  // namespace kiln::failover
