#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/node_schema.hpp"

// This node's ZooKeeper ensemble: each peer's server id and the JVM heap the member gets.
namespace kiln::firstboot {

struct ZookeeperServer {
    int id;  // zoo.cfg server.<id>, myid
    node::Peer peer;
};

// The peers numbered 1..n in the order of their names. Every node numbers them alike whatever
// order its metadata lists them in: a name is the peer's identity (unique, validated, what the
// data disk's member marker records), while an address may be spelled differently and sorts
// as text, not as a number.
std::vector<ZookeeperServer> zookeeper_ensemble(const std::vector<node::Peer>& peers);
// The id of the peer named `name`; nullopt when it is not among them.
std::optional<int> zookeeper_myid(const std::vector<node::Peer>& peers, std::string_view name);

// MemTotal of a /proc/meminfo text, in KiB; nullopt when it has none.
std::optional<std::uint64_t> mem_total_kib(std::string_view meminfo);
// The member's JVM heap: a quarter of the VM's memory (PostgreSQL needs the rest), clamped to
// [kMinHeapMib, kMaxHeapMib]; the minimum when the memory is unknown.
inline constexpr std::uint64_t kMinHeapMib = 256;
inline constexpr std::uint64_t kMaxHeapMib = 4096;
std::uint64_t zookeeper_heap_mib(std::optional<std::uint64_t> mem_total_kib);

}  // namespace kiln::firstboot
