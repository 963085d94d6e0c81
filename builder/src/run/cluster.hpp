#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

// `kiln run`: one copy-on-write clone of an image per inventory node, booted in QEMU with its
// metadata over fw_cfg, on a private L2 network (a network namespace with a bridge and taps)
// that nothing outside the machine can reach; loopback ports forward to the VIP and each node.
namespace kiln::run {

struct UpOptions {
    std::filesystem::path image;
    std::string inventory;
    std::optional<std::string> secrets;
    std::optional<std::filesystem::path> state_dir;
    std::string accel = "auto";  // auto, kvm, tcg
    int memory_mb = 2048;
    int cpus = 2;
    int port_base = 20000;
};

struct NodeState {
    std::string name;
    std::string address;  // without prefix
    int pid = 0;
    int ssh_port = 0;
    std::vector<std::string> qemu;  // the command that boots it, for --start after --kill
};

struct ClusterState {
    std::string cluster;
    std::string netns;
    std::filesystem::path state_dir;
    std::string vip;  // without prefix
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
// Boots a stopped node again from its own clone, with the same metadata and network.
NodeState start_node(const std::filesystem::path& state_dir, const std::string& name);

// "auto" means KILN_ACCEL from the environment if set, else kvm when /dev/kvm opens, else tcg.
std::string resolve_accel(const std::string& accel);

}  // namespace kiln::run
