#pragma once

#include <filesystem>
#include <string>

#include "bake/steps/disk.hpp"

namespace kiln::bake {

// GRUB for SeaBIOS without the appliance, for a Debian tree: everything grub-install and
// update-grub would produce, made natively with the guest's own GRUB (its grub-mkimage in a
// chroot, its boot.img and modules). The tree half runs before mkfs (modules, grub.cfg by
// UUID, core.img); the disk half writes boot.img into the MBR and core.img into the BIOS boot
// partition (GPT) or the gap after the MBR, patched as grub-bios-setup patches them. update-grub
// in the running guest (kernel updates) later replaces grub.cfg as usual.
bool can_install_grub_natively(const Context& ctx, profile::Firmware firmware);
void prepare_grub_in_tree(Context& ctx, const plan::MakeDisk& disk, const DiskLayout& layout);
void write_grub_boot_sectors(Context& ctx, const DiskLayout& layout,
                             const std::filesystem::path& raw);

// The boot.img bytes for the MBR: GRUB's code with the disk's own BPB area, disk signature
// and partition table kept, the core.img sector patched in and the drive check disabled.
std::string patch_boot_sector(const std::string& boot_img, const std::string& old_mbr,
                              std::uint64_t core_sector);
// core.img with its first blocklist pointing at the sectors after its first one.
std::string patch_core_image(std::string core_img, std::uint64_t core_sector);
// The grub.cfg kiln writes: one entry for the newest kernel, root by UUID, serial console.
std::string grub_config(const std::string& root_uuid, const std::string& kernel_version);

}  // namespace kiln::bake
