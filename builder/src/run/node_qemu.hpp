#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "run/hardware.hpp"

namespace kiln::run {

// What one `kiln run` node boots with; the paths live in the cluster's state folder.
struct NodeMachine {
    std::string name;
    std::string netns;  // the private network's namespace
    std::string accel;  // kvm or tcg (resolved)
    int memory_mb = 2048;
    int cpus = 2;
    Hardware hardware = Hardware::virtio;
    std::filesystem::path os_disk;  // boots first
    std::filesystem::path data_disk;
    std::string tap;  // its tap on the namespace's bridge
    std::string mac;
    std::filesystem::path metadata;  // handed over fw_cfg
    std::filesystem::path qmp;
    std::filesystem::path console;
    std::filesystem::path pidfile;
};

// The command that boots the node: QEMU inside the namespace, daemonized, writing its pid file.
std::vector<std::string> node_qemu_command(const NodeMachine& node);

}  // namespace kiln::run
