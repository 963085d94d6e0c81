// The QEMU command of a `kiln run` node on each --hardware, and the choice kept in its state.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kiln/error.hpp"
#include "run/cluster.hpp"
#include "run/hardware.hpp"
#include "run/node_qemu.hpp"

namespace {

using namespace kiln::run;
using Argv = std::vector<std::string>;

NodeMachine pg1(Hardware hardware) {
    return {.name = "pg1",
            .netns = "kiln-pg-ha",
            .accel = "tcg",
            .memory_mb = 1024,
            .cpus = 2,
            .hardware = hardware,
            .os_disk = "/state/pg1.qcow2",
            .data_disk = "/state/pg1.data.qcow2",
            .tap = "tap-pg1",
            .mac = "52:54:00:4b:00:01",
            .metadata = "/state/pg1.metadata.yml",
            .qmp = "/state/pg1.qmp",
            .console = "/state/pg1.console.log",
            .pidfile = "/state/pg1.pid"};
}

// Everything but the disks and NICs, identical on every hardware.
const Argv kMachine = {"ip",
                       "netns",
                       "exec",
                       "kiln-pg-ha",
                       "qemu-system-x86_64",
                       "-name",
                       "pg1",
                       "-machine",
                       "pc",
                       "-accel",
                       "tcg,thread=multi",
                       "-m",
                       "1024",
                       "-smp",
                       "2",
                       "-qmp",
                       "unix:/state/pg1.qmp,server=on,wait=off",
                       "-netdev",
                       "tap,id=n0,ifname=tap-pg1,script=no,downscript=no"};
const Argv kTail = {"-fw_cfg",       "name=opt/kiln/metadata,file=/state/pg1.metadata.yml",
                    "-display",      "none",
                    "-monitor",      "none",
                    "-serial",       "file:/state/pg1.console.log",
                    "-daemonize",    "-pidfile",
                    "/state/pg1.pid"};

Argv node_command_with(const Argv& devices) {
    Argv argv = kMachine;
    argv.insert(argv.end(), devices.begin(), devices.end());
    argv.insert(argv.end(), kTail.begin(), kTail.end());
    return argv;
}

TEST(RunHardware, VirtioNodeHasVirtioDisksAndNicInSlotThree) {
    EXPECT_EQ(node_qemu_command(pg1(Hardware::virtio)),
              node_command_with({
                  "-drive",
                  "file=/state/pg1.qcow2,if=virtio,format=qcow2,discard=unmap",
                  "-drive",
                  "file=/state/pg1.data.qcow2,if=virtio,format=qcow2,discard=unmap",
                  "-device",
                  "virtio-net-pci,netdev=n0,mac=52:54:00:4b:00:01,addr=0x3",
              }));
}

// The OVA's models: VMXNET3 on the same netdev, MAC and slot (the guest still names it ens3);
// both disks on one PVSCSI controller in the next slot, the OS disk first and the boot disk.
TEST(RunHardware, VmwareNodeHasPvscsiDisksAndVmxnet3) {
    EXPECT_EQ(node_qemu_command(pg1(Hardware::vmware)),
              node_command_with({
                  "-device",
                  "vmxnet3,netdev=n0,mac=52:54:00:4b:00:01,addr=0x3",
                  "-device",
                  "pvscsi,id=scsi0,addr=0x4",
                  "-drive",
                  "file=/state/pg1.qcow2,if=none,id=disk0,format=qcow2,discard=unmap",
                  "-device",
                  "scsi-hd,drive=disk0,bus=scsi0.0,scsi-id=0,bootindex=0",
                  "-drive",
                  "file=/state/pg1.data.qcow2,if=none,id=disk1,format=qcow2,discard=unmap",
                  "-device",
                  "scsi-hd,drive=disk1,bus=scsi0.0,scsi-id=1",
              }));
}

TEST(RunHardware, VmwareLeavesNoVirtioDevice) {
    for (const auto& arg : node_qemu_command(pg1(Hardware::vmware)))
        EXPECT_EQ(arg.find("virtio"), std::string::npos) << arg;
}

// The SCSI controller goes after every NIC, never into a NIC's slot.
TEST(RunHardware, ControllerTakesTheSlotAfterTheNics) {
    Argv argv = device_arguments(Hardware::vmware, {"/os.qcow2"},
                                 {{"n0", "52:54:00:00:00:01"}, {"n1", "52:54:00:00:00:02"}});
    EXPECT_NE(
        std::find(argv.begin(), argv.end(), "vmxnet3,netdev=n1,mac=52:54:00:00:00:02,addr=0x4"),
        argv.end());
    EXPECT_NE(std::find(argv.begin(), argv.end(), "pvscsi,id=scsi0,addr=0x5"), argv.end());
}

ClusterState cluster_on(Hardware hardware) {
    ClusterState state;
    state.cluster = "pg-ha";
    state.netns = "kiln-pg-ha";
    state.state_dir = "/state";
    state.vip = "10.77.0.100";
    state.hardware = hardware;
    NodeState node;
    node.name = "pg1";
    node.address = "10.77.0.11";
    node.qemu = node_qemu_command(pg1(hardware));
    state.nodes.push_back(node);
    return state;
}

// --start, --replace and --rolling boot a node from the state: the same hardware as at `up`.
TEST(RunHardware, StateKeepsTheHardwareAndTheNodesCommands) {
    ClusterState read = ClusterState::from_json(cluster_on(Hardware::vmware).to_json());
    EXPECT_EQ(read.hardware, Hardware::vmware);
    EXPECT_EQ(read.to_json()["hardware"], "vmware");
    EXPECT_EQ(read.nodes.at(0).qemu, node_qemu_command(pg1(Hardware::vmware)));
}

TEST(RunHardware, StateWithoutHardwareIsVirtioAndAnUnknownOneIsRefused) {
    nlohmann::json old = cluster_on(Hardware::virtio).to_json();
    old.erase("hardware");
    EXPECT_EQ(ClusterState::from_json(old).hardware, Hardware::virtio);
    old["hardware"] = "hyperv";
    EXPECT_THROW(ClusterState::from_json(old), kiln::Error);
}

}  // namespace
