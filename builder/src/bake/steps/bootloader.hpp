#pragma once

#include <filesystem>

#include "bake/guest/appliance.hpp"
#include "bake/steps/disk.hpp"

namespace kiln::bake {

// install-bootloader in the appliance, on the disk make-disk made: the guest's own GRUB for
// SeaBIOS (BIOS boot partition on GPT, or the MBR gap) and/or UEFI (removable path on the ESP,
// no NVRAM), with a serial console beside the screen, then its grub.cfg.
void install_bootloader(Context& ctx, const plan::InstallBootloader& bootloader,
                        Appliance& appliance, const DiskLayout& layout);

// Mounts the disk make-disk made (root at /, the ESP at /boot/efi).
void mount_made_disk(Appliance& appliance, const DiskLayout& layout);

}  // namespace kiln::bake
