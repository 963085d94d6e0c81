#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

enum class PartitionRole { bios_boot, esp, root };

struct Partition {
    PartitionRole role{};
    std::uint64_t start = 0;  // 512-byte sectors
    std::uint64_t size = 0;
    std::string type;  // GPT type GUID or MBR type byte (sfdisk syntax)
    std::string name;
    std::string guid{};  // GPT: the partition's unique GUID (sfdisk draws one at random otherwise)
};

// Where everything goes on a bootstrapped disk: partitions (a BIOS boot partition for GRUB on
// GPT+BIOS, an EFI system partition for UEFI, root last so it can grow), filesystem ids.
struct DiskLayout {
    std::uint64_t bytes = 0;
    profile::PartitionTable table{};
    std::vector<Partition> partitions;
    // GPT: the disk GUID; MBR: the disk identifier (0x and 8 hex digits). Random unless set.
    std::string disk_id;
    std::string root_uuid;       // ext4/xfs UUID
    std::string root_hash_seed;  // ext4's directory hash seed (random unless set)
    std::string esp_volume_id;   // vfat serial, 8 hex digits (fstab: XXXX-XXXX)

    const Partition* find(PartitionRole role) const;
    int index_of(PartitionRole role) const;  // 1-based partition number, 0 if absent
};

// Deterministic: the same profile digest gives the same layout and ids (reproducible builds).
DiskLayout plan_disk(const plan::MakeDisk& disk, const std::string& profile_digest);
std::string sfdisk_script(const DiskLayout& layout);
std::string fstab_text(const DiskLayout& layout, profile::Filesystem fs);

// make-disk for a host tree: fstab written into the tree, then a sparse raw disk with the
// partition table, the ESP (mkfs.fat at its offset) and the root filesystem created from the
// tree in one pass (mkfs.ext4 -d at its offset: no mount, no appliance). Every time in the
// root is at most ctx.source_date_epoch and every ctime is it (steps/stable_times.hpp).
void make_disk(Context& ctx, const plan::MakeDisk& disk, const DiskLayout& layout,
               const std::filesystem::path& raw);

}  // namespace kiln::bake
