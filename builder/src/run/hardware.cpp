#include "run/hardware.hpp"

#include <fmt/format.h>

namespace kiln::run {

namespace {

constexpr int kFirstNicSlot = 3;

std::string drive(const std::filesystem::path& disk, const std::string& attachment) {
    return "file=" + disk.string() + "," + attachment + ",format=qcow2,discard=unmap";
}

void add(std::vector<std::string>& argv, std::string option, std::string value) {
    argv.push_back(std::move(option));
    argv.push_back(std::move(value));
}

void add_virtio(std::vector<std::string>& argv, const std::vector<std::filesystem::path>& disks,
                const std::vector<GuestNic>& nics) {
    for (const auto& disk : disks) add(argv, "-drive", drive(disk, "if=virtio"));
    for (std::size_t i = 0; i < nics.size(); ++i)
        add(argv, "-device",
            fmt::format("virtio-net-pci,netdev={},mac={},addr={:#x}", nics[i].netdev, nics[i].mac,
                        kFirstNicSlot + i));
}

// One PVSCSI controller with every disk on it, target i for disk i; the first disk is the one
// the firmware boots.
void add_vmware(std::vector<std::string>& argv, const std::vector<std::filesystem::path>& disks,
                const std::vector<GuestNic>& nics) {
    for (std::size_t i = 0; i < nics.size(); ++i)
        add(argv, "-device",
            fmt::format("vmxnet3,netdev={},mac={},addr={:#x}", nics[i].netdev, nics[i].mac,
                        kFirstNicSlot + i));
    if (disks.empty()) return;
    add(argv, "-device", fmt::format("pvscsi,id=scsi0,addr={:#x}", kFirstNicSlot + nics.size()));
    for (std::size_t i = 0; i < disks.size(); ++i) {
        std::string id = fmt::format("disk{}", i);
        add(argv, "-drive", drive(disks[i], "if=none,id=" + id));
        add(argv, "-device",
            fmt::format("scsi-hd,drive={},bus=scsi0.0,scsi-id={}{}", id, i,
                        i == 0 ? ",bootindex=0" : ""));
    }
}

}  // namespace

std::vector<std::string> device_arguments(Hardware hardware,
                                          const std::vector<std::filesystem::path>& disks,
                                          const std::vector<GuestNic>& nics) {
    std::vector<std::string> argv;
    switch (hardware) {
        case Hardware::virtio:
            add_virtio(argv, disks, nics);
            break;
        case Hardware::vmware:
            add_vmware(argv, disks, nics);
            break;
    }
    return argv;
}

}  // namespace kiln::run
