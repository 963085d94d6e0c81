#include "bake/steps/disk.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "bake/steps/stable_times.hpp"
#include "bake/steps/static_devices.hpp"
#include "kiln/sha256.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;
using profile::Filesystem;
using profile::Firmware;
using profile::PartitionTable;

namespace {

constexpr std::uint64_t kMiB = 2048;  // sectors
constexpr const char* kBiosBootGuid = "21686148-6449-6E6F-744E-656564454649";
constexpr const char* kEspGuid = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
constexpr const char* kLinuxGuid = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
// Files whose bytes differ from one build to the next of the same profile (found by building
// twice and comparing the trees): ldconfig's cache of each library's inode and ctime, which
// ldconfig makes again on its next run.
constexpr const char* kRunRecords[] = {"/var/cache/ldconfig/aux-cache"};

std::string uuid_from(const std::string& seed) {
    std::string h = sha256_hex(seed);
    h[12] = '4';                                                  // version 4 layout
    h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20, 12);
}

}  // namespace

const Partition* DiskLayout::find(PartitionRole role) const {
    for (const auto& p : partitions)
        if (p.role == role) return &p;
    return nullptr;
}

int DiskLayout::index_of(PartitionRole role) const {
    for (std::size_t i = 0; i < partitions.size(); ++i)
        if (partitions[i].role == role) return static_cast<int>(i) + 1;
    return 0;
}

DiskLayout plan_disk(const plan::MakeDisk& disk, const std::string& profile_digest) {
    DiskLayout l;
    l.bytes = disk.size.value / 512 * 512;
    l.table = disk.partition_table;
    std::uint64_t sectors = l.bytes / 512;
    bool gpt = l.table == PartitionTable::gpt;
    std::uint64_t next = kMiB;
    if (gpt && (disk.firmware == Firmware::bios || disk.firmware == Firmware::hybrid)) {
        l.partitions.push_back({PartitionRole::bios_boot, next, kMiB, kBiosBootGuid, "bios-boot"});
        next += kMiB;
    }
    if (disk.firmware == Firmware::uefi || disk.firmware == Firmware::hybrid) {
        l.partitions.push_back({PartitionRole::esp, next, 256 * kMiB, kEspGuid, "esp"});
        next += 256 * kMiB;
    }
    std::uint64_t end = gpt ? sectors - 34 : sectors;  // GPT keeps a backup table at the end
    std::uint64_t root_size = (end - next) / 8 * 8;    // whole 4 KiB blocks
    l.partitions.push_back({PartitionRole::root, next, root_size, gpt ? kLinuxGuid : "83", "root"});
    for (auto& p : l.partitions) p.guid = uuid_from(profile_digest + "/partition/" + p.name);
    l.disk_id = gpt ? uuid_from(profile_digest + "/disk")
                    : "0x" + sha256_hex(profile_digest + "/disk").substr(0, 8);
    l.root_uuid = uuid_from(profile_digest + "/root");
    l.root_hash_seed = uuid_from(profile_digest + "/root-hash-seed");
    l.esp_volume_id = sha256_hex(profile_digest + "/esp").substr(0, 8);
    return l;
}

std::string sfdisk_script(const DiskLayout& l) {
    std::string s = std::string("label: ") + (l.table == PartitionTable::gpt ? "gpt" : "dos") +
                    "\nunit: sectors\n";
    if (!l.disk_id.empty()) s += "label-id: " + l.disk_id + "\n";
    // GPT's usable area starts right after the table (sfdisk's default reserves up to sector
    // 2048). gdisk 1.0.9 mirrors that reserve at the end when a grown disk's backup table is
    // moved (sgdisk -e), and parted then refuses to resize a partition of the disk ("Not all of
    // the space available ... appears to be used"): an image used as a base could not grow.
    if (l.table == PartitionTable::gpt) s += "first-lba: 34\n";
    for (const auto& p : l.partitions) {
        s += fmt::format("start={}, size={}, type={}", p.start, p.size, p.type);
        if (l.table == PartitionTable::gpt) {
            s += ", name=" + p.name;
            if (!p.guid.empty()) s += ", uuid=" + p.guid;
        } else if (p.role == PartitionRole::root)
            s += ", bootable";
        s += "\n";
    }
    return s;
}

std::string fstab_text(const DiskLayout& l, Filesystem filesystem) {
    std::string s = "# Written by kiln build: filesystems by UUID.\n";
    if (filesystem == Filesystem::ext4)
        s += "UUID=" + l.root_uuid + "\t/\text4\terrors=remount-ro\t0\t1\n";
    else
        s += "UUID=" + l.root_uuid + "\t/\txfs\tdefaults\t0\t0\n";
    if (l.find(PartitionRole::esp)) {
        std::string id = l.esp_volume_id;
        for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        s += "UUID=" + id.substr(0, 4) + "-" + id.substr(4) +
             "\t/boot/efi\tvfat\tumask=0077\t0\t1\n";
    }
    return s;
}

void make_disk(Context& ctx, const plan::MakeDisk& disk, const DiskLayout& l, const fs::path& raw) {
    if (disk.filesystem != Filesystem::ext4)
        throw LocatedError(
            disk.size.where,
            "a bootstrapped tree becomes an ext4 root here; xfs from a tree is not supported "
            "yet (mkfs.xfs cannot populate from a folder): use 'filesystem: ext4' or an image base",
            ExitCode::failed);
    ctx.root->write_file("/etc/fstab", fstab_text(l, disk.filesystem), 0644, 0, 0);

    UniqueFd image(::open(raw.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!image || ::ftruncate(image.get(), static_cast<off_t>(l.bytes)) != 0)
        throw SystemError("cannot create " + raw.string(), errno);
    image.reset();

    fs::path script = ctx.work / "sfdisk.txt";
    {
        std::FILE* f = std::fopen(script.c_str(), "w");
        if (!f) throw SystemError("cannot write " + script.string(), errno);
        std::string text = sfdisk_script(l);
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }
    run_checked({{"sh", "-c", "exec sfdisk --quiet --no-reread --no-tell-kernel \"$1\" < \"$2\"",
                  "sfdisk", raw.string(), script.string()}},
                "partitioning the disk");

    if (const Partition* esp = l.find(PartitionRole::esp))
        // --invariant: fixed dates in its directory entries; before -i, which sets the id.
        run_checked(
            {{"mkfs.fat", "-F", "32", "-n", "EFI", "--invariant", "-i", l.esp_volume_id, "--offset",
              std::to_string(esp->start), raw.string(), std::to_string(esp->size / 2)}},
            "creating the EFI system partition");

    const Partition* root = l.find(PartitionRole::root);
    const std::uint64_t offset = root->start * 512;
    const std::int64_t epoch = ctx.source_date_epoch;
    for (const char* file : kRunRecords) ctx.root->remove(file);
    remove_static_devices(*ctx.root);
    clamp_tree_times(ctx.tree, epoch);
    // mkfs.ext4 1.47.0 fills each folder in alphasort order, which follows LC_COLLATE: C makes
    // the inode numbers and directory blocks the same on every host. E2FSPROGS_FAKE_TIME is the
    // superblock's times and each inode's crtime.
    ProcessSpec mkfs{{"mkfs.ext4", "-q", "-F", "-b", "4096", "-L", "root", "-U", l.root_uuid, "-d",
                      ctx.tree.string(), "-E",
                      fmt::format("offset={},hash_seed={}", offset, l.root_hash_seed), raw.string(),
                      std::to_string(root->size / 2) + "k"}};
    mkfs.env = {"LC_ALL=C", "E2FSPROGS_FAKE_TIME=" + std::to_string(epoch)};
    run_checked(std::move(mkfs), "creating the root filesystem from the tree");
    add_static_devices(raw, offset, epoch, ctx.work);
    set_inode_ctimes(raw, offset, epoch, ctx.work);
    ctx.note = fmt::format("{} MiB, root {} MiB from the tree", l.bytes >> 20, root->size / 2048);
}

}  // namespace kiln::bake
