#include "kiln/failover.hpp"

#include <map>

#include "kiln/map_reader.hpp"

namespace kiln::failover {

const std::array<Setting, 10>& settings() {
    // Patroni's documented minimums: loop_wait 1, retry_timeout 3; keepalived's advert_int is
    // at most 255 s; etcd's election timeout at most 50 s.
    static const std::array<Setting, 10> table{{
        {"ttl", &Timing::ttl, 1, 3600},
        {"loop_wait", &Timing::loop_wait, 1, 3600},
        {"retry_timeout", &Timing::retry_timeout, 3, 3600},
        {"watchdog_safety_margin", &Timing::watchdog_safety_margin, 0, 3600},
        {"haproxy_check_interval", &Timing::haproxy_check_interval, 1, 3600},
        {"haproxy_fall", &Timing::haproxy_fall, 1, 100},
        {"haproxy_rise", &Timing::haproxy_rise, 1, 100},
        {"vrrp_advert_int", &Timing::vrrp_advert_int, 1, 255},
        {"etcd_heartbeat_ms", &Timing::etcd_heartbeat_ms, 10, 10000},
        {"etcd_election_ms", &Timing::etcd_election_ms, 50, 50000},
    }};
    return table;
}

namespace {

// Patroni's rules between the settings that were read (a setting reported as wrong is not
// checked again through a relation).
void check_relations(const Timing& t, const std::map<std::string_view, Location>& where,
                     const std::string& context, Report& report) {
    auto at = [&](std::string_view key) {
        auto it = where.find(key);
        return it == where.end() ? std::optional<Location>() : std::optional(it->second);
    };
    auto report_at = [&](std::initializer_list<std::string_view> keys, const std::string& text) {
        for (auto key : keys)
            if (auto location = at(key))
                return report.error(*location, "'" + context + "': " + text);
    };
    const int needed = t.loop_wait + 2 * t.retry_timeout;
    if (needed > t.ttl)
        report_at({"ttl", "retry_timeout", "loop_wait"},
                  "loop_wait + 2 * retry_timeout (" + std::to_string(t.loop_wait) + " + 2 * " +
                      std::to_string(t.retry_timeout) + " = " + std::to_string(needed) +
                      ") must not exceed ttl (" + std::to_string(t.ttl) +
                      "), Patroni's rule: a leader that retries its DCS call must still renew "
                      "its key in time");
    if (t.watchdog_timeout() <= t.loop_wait)
        report_at({"watchdog_safety_margin", "ttl", "loop_wait"},
                  "the watchdog fires at ttl - watchdog_safety_margin (" + std::to_string(t.ttl) +
                      " - " + std::to_string(t.watchdog_safety_margin) + " = " +
                      std::to_string(t.watchdog_timeout()) +
                      " s) after the leader's last renewal, which must be later than loop_wait (" +
                      std::to_string(t.loop_wait) +
                      " s): the leader renews once a loop, and Patroni leaves a watchdog with "
                      "no slack unarmed");
    if (t.etcd_election_ms < 5 * t.etcd_heartbeat_ms)
        report_at({"etcd_election_ms", "etcd_heartbeat_ms"},
                  "etcd_election_ms (" + std::to_string(t.etcd_election_ms) +
                      ") must be at least 5 * etcd_heartbeat_ms (" +
                      std::to_string(5 * t.etcd_heartbeat_ms) +
                      "), etcd's rule: it refuses to start otherwise");
    if (2 * t.etcd_election_ms > 1000 * t.retry_timeout)
        report_at({"etcd_election_ms", "retry_timeout"},
                  "2 * etcd_election_ms (" + std::to_string(2 * t.etcd_election_ms) +
                      " ms) must not exceed retry_timeout (" + std::to_string(t.retry_timeout) +
                      " s): when the etcd leader is lost, a new one must be elected while "
                      "Patroni still retries, or the Patroni leader steps down for nothing");
}

}  // namespace

Timing read(const yaml::Node& node, const std::string& context, Report& report) {
    Timing timing;
    yaml::MapReader reader(node, context, report);
    if (!reader.valid()) return timing;
    std::map<std::string_view, Location> where;
    bool all_read = true;
    for (const auto& s : settings()) {
        if (!reader.has(s.key)) continue;
        if (auto value = reader.integer(s.key, s.min, s.max)) {
            timing.*s.field = static_cast<int>(value->value);
            where[s.key] = value->where;
        } else {
            all_read = false;
        }
    }
    if (all_read) check_relations(timing, where, context, report);
    return timing;
}

std::string canonical(const Timing& timing) {
    std::string out;
    for (const auto& s : settings())
        out += std::string(s.key) + "=" + std::to_string(timing.*s.field) + "\n";
    return out;
}

}  // namespace kiln::failover
