#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "run/hardware.hpp"

// `kiln run`: one copy-on-write clone of an image per inventory node, booted in QEMU with its
// metadata over fw_cfg, on a private L2 network (a network namespace with a bridge and taps)
// that nothing outside the machine can reach; loopback ports forward to the VIP and each node.
namespace kiln::run {

struct UpOptions {
    std::filesystem::path image;
    std::string inventory;
    std::optional<std::string> secrets;
    std::optional<std::filesystem::path> state_dir;
    // The cluster's CA, reused or made there (default: STATE_DIR/CLUSTER.pki).
    std::optional<std::filesystem::path> pki_dir;
    std::string accel = "auto";  // auto, kvm, tcg
    Hardware hardware = Hardware::virtio;
    int memory_mb = 2048;
    int cpus = 2;
    int port_base = 20000;
    std::string data_size = "8G";       // each node's data disk (qemu-img sizes)
    std::vector<std::string> deferred;  // created powered off: `kiln run --start NODE` later
};

struct NodeState {
    std::string name;
    std::string address;  // without prefix
    int pid = 0;
    int ssh_port = 0;
    std::vector<std::string> qemu;    // the command that boots it, for --start after --kill
    std::filesystem::path image;      // what its OS disk is a copy-on-write clone of
    std::filesystem::path os_disk;    // the clone
    std::filesystem::path data_disk;  // survives --replace
    std::filesystem::path qmp;        // QEMU's control socket: clean shutdowns
};

struct ClusterState {
    std::string cluster;
    std::string netns;
    std::filesystem::path state_dir;
    std::filesystem::path pki_dir;  // the cluster's CA (ca.crt, ca.key)
    std::string vip;                // without prefix
    // The nodes' device models; their recorded QEMU commands carry it to every restart.
    Hardware hardware = Hardware::virtio;
    int relay_pid = 0;
    int primary_port = 0;
    int replica_port = 0;
    int stats_port = 0;
    std::vector<NodeState> nodes;

    nlohmann::json to_json() const;
    static ClusterState from_json(const nlohmann::json& json);
};

std::filesystem::path default_state_dir(const std::string& cluster);

ClusterState up(const UpOptions& options);
// Stops every process, deletes the network and the clones; safe to run twice.
void down(const std::filesystem::path& state_dir);

// Pulls the plug on one node (SIGKILL to its QEMU): a crash, not a shutdown.
void kill_node(const std::filesystem::path& state_dir, const std::string& name);
// Shuts one node down cleanly (an ACPI power-button press: the guest stops its services), killing
// it only if it has not powered off within `timeout`. Returns whether it stopped on its own.
bool stop_node(const std::filesystem::path& state_dir, const std::string& name,
               std::chrono::seconds timeout);
// Swaps a stopped node's disks: a new OS disk cloned from `image` (the node's own when absent),
// and, when `blank_data`, a new blank data disk in place of its data disk.
void renew_disks(const std::filesystem::path& state_dir, const std::string& name,
                 const std::optional<std::filesystem::path>& image, bool new_os_disk,
                 bool blank_data);
// The cluster's recorded state.
ClusterState load_cluster(const std::filesystem::path& state_dir);
// The node called `name`; a UsageError naming the cluster's nodes when there is none.
NodeState& find_node(ClusterState& state, const std::string& name);
// Boots a stopped node again from its own clone, with the same metadata and network.
NodeState start_node(const std::filesystem::path& state_dir, const std::string& name);

// "auto" means KILN_ACCEL from the environment if set, else kvm when /dev/kvm opens, else tcg.
std::string resolve_accel(const std::string& accel);

}  // namespace kiln::run
