#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"

// The device models a QEMU guest's disks and NICs are given: QEMU's paravirtual virtio, or the
// VMware models an OVA declares (PVSCSI and VMXNET3), so that an image is booted here on the
// drivers it will need on vSphere.
namespace kiln::run {

enum class Hardware { virtio, vmware };
constexpr auto name_table(Hardware) {
    using enum Hardware;
    return std::to_array<EnumName<Hardware>>({{virtio, "virtio"}, {vmware, "vmware"}});
}

struct GuestNic {
    std::string netdev;  // the id of a -netdev given elsewhere
    std::string mac;
};

// The QEMU arguments that attach `disks` (qcow2; the boot disk first) and `nics`. NIC i takes
// PCI slot 3 + i, so the guest names it ens(3 + i) whatever the model; VMware's SCSI controller
// takes the slot after the NICs.
std::vector<std::string> device_arguments(Hardware hardware,
                                          const std::vector<std::filesystem::path>& disks,
                                          const std::vector<GuestNic>& nics);

}  // namespace kiln::run
