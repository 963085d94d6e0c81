#include "plan/initramfs_modules.hpp"

namespace kiln::plan {

profile::TextList initramfs_modules(profile::Filesystem root, const Location& where) {
    static const char* const drivers[] = {
        // VMware: paravirtual SCSI, LSI Logic parallel and SAS, SATA (AHCI) and IDE (PIIX),
        // and NVMe; the NICs, for an initramfs that needs the network.
        "vmw_pvscsi", "mptspi", "mptsas", "ahci", "ata_piix", "nvme", "vmxnet3", "e1000", "e1000e",
        // QEMU (kiln run, the tests): virtio over PCI.
        "virtio_pci", "virtio_blk", "virtio_scsi", "virtio_net",
        // Disks behind a SCSI or SATA controller appear through sd_mod.
        "sd_mod"};
    profile::TextList modules;
    for (const char* name : drivers) modules.push_back({name, where});
    modules.push_back({to_string(root), where});
    return modules;
}

}  // namespace kiln::plan
