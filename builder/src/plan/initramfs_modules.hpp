#pragma once

#include "profile/profile.hpp"

namespace kiln::plan {

// The drivers a Debian image's initramfs carries so that it finds its root disk on the
// hardware it is made for, and nothing else: VMware's (pvscsi, LSI Logic parallel and SAS,
// SATA/IDE, vmxnet3 and the e1000s), QEMU's virtio, the disk driver the SCSI and SATA
// controllers present their disks through, and the root filesystem's. The rest of the kernel's
// modules stay on the root filesystem, loaded by udev after the switch to it.
profile::TextList initramfs_modules(profile::Filesystem root, const Location& where);

}  // namespace kiln::plan
