#include "bake/steps/bootloader_native.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "bake/guest/native_root.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::bake {

namespace {

// Offsets in GRUB 2's i386-pc boot.img and diskboot.img (grub/i386/pc/boot.h).
constexpr std::size_t kBpbStart = 0x03, kBpbEnd = 0x5a;
constexpr std::size_t kKernelSector = 0x5c;
constexpr std::size_t kBootDrive = 0x64;
constexpr std::size_t kDriveCheck = 0x66;
constexpr std::size_t kWindowsNtMagic = 0x1b8;
constexpr std::size_t kBlocklistStart = 0x1f4, kBlocklistLength = 0x1fc;
constexpr const char* kCoreImage = "/var/tmp/kiln-core.img";

void put_le(std::string& bytes, std::size_t offset, std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const std::string& bytes, std::size_t offset, int size) {
    std::uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
    return v;
}

// Compares Debian kernel versions well enough to pick the newest (6.1.0-50 < 6.1.0-56).
bool version_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) &&
            std::isdigit(static_cast<unsigned char>(b[j]))) {
            std::size_t ei = i, ej = j;
            while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
            while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
            unsigned long x = std::stoul(a.substr(i, ei - i)), y = std::stoul(b.substr(j, ej - j));
            if (x != y) return x < y;
            i = ei, j = ej;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i, ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

std::uint64_t core_sector(const DiskLayout& l) {
    const Partition* bios = l.find(PartitionRole::bios_boot);
    return bios ? bios->start : 1;  // GPT: its BIOS boot partition; MBR: the gap after sector 0
}

}  // namespace

bool can_install_grub_natively(const Context& ctx, profile::Firmware firmware) {
    return ctx.debian() && firmware == profile::Firmware::bios && ctx.root &&
           ctx.root->exists("/usr/lib/grub/i386-pc/boot.img") &&
           ctx.root->exists("/usr/bin/grub-mkimage");
}

std::string patch_boot_sector(const std::string& boot_img, const std::string& old_mbr,
                              std::uint64_t sector) {
    if (boot_img.size() != 512 || old_mbr.size() != 512)
        throw Error("boot.img and the MBR must be 512 bytes");
    std::string mbr = boot_img;
    std::copy(old_mbr.begin() + kBpbStart, old_mbr.begin() + kBpbEnd, mbr.begin() + kBpbStart);
    std::copy(old_mbr.begin() + kWindowsNtMagic, old_mbr.end(), mbr.begin() + kWindowsNtMagic);
    put_le(mbr, kKernelSector, sector, 8);
    mbr[kBootDrive] = static_cast<char>(0xff);
    // A hard disk: skip the check that trusts buggy BIOSes' boot drive numbers (as
    // grub-bios-setup).
    mbr[kDriveCheck] = static_cast<char>(0x90);
    mbr[kDriveCheck + 1] = static_cast<char>(0x90);
    return mbr;
}

std::string patch_core_image(std::string core, std::uint64_t sector) {
    if (core.size() < 1024) throw Error("core.img is too small");
    std::uint64_t sectors = (core.size() + 511) / 512;
    core.resize(sectors * 512, '\0');
    put_le(core, kBlocklistStart, sector + 1, 8);
    if (get_le(core, kBlocklistLength, 2) != sectors - 1)
        put_le(core, kBlocklistLength, sectors - 1, 2);
    return core;
}

std::string grub_config(const std::string& uuid, const std::string& version) {
    return "# Written by kiln build; update-grub in the running guest replaces it.\n"
           "set default=0\nset timeout=1\n"
           "serial --unit=0 --speed=115200\nterminal_input console serial\nterminal_output console "
           "serial\n"
           "insmod part_gpt\ninsmod part_msdos\ninsmod ext2\n"
           "search --no-floppy --fs-uuid --set=root " +
           uuid +
           "\n"
           "menuentry 'Debian GNU/Linux' --id kiln {\n"
           "    linux /boot/vmlinuz-" +
           version + " root=UUID=" + uuid +
           " ro console=tty0 console=ttyS0,115200n8 quiet\n"
           "    initrd /boot/initrd.img-" +
           version + "\n}\n";
}

void prepare_grub_in_tree(Context& ctx, const plan::MakeDisk& disk, const DiskLayout& l) {
    Root& root = *ctx.root;
    std::string version;
    for (const auto& name : root.list("/boot"))
        if (name.starts_with("vmlinuz-") &&
            (version.empty() || version_less(version, name.substr(8))))
            version = name.substr(8);
    if (version.empty())
        throw LocatedError(disk.bootstrap,
                           "the tree has no kernel in /boot: include 'linux-image-amd64'");
    root.make_directory("/etc/default/grub.d", 0755, 0, 0);
    root.write_file(
        "/etc/default/grub.d/50-kiln.cfg",
        "# kiln: screen and serial console (vSphere console, QEMU -serial)\n"
        "GRUB_TIMEOUT=1\nGRUB_CMDLINE_LINUX=\"console=tty0 console=ttyS0,115200n8\"\n"
        "GRUB_TERMINAL=\"console serial\"\nGRUB_SERIAL_COMMAND=\"serial --speed=115200\"\n",
        0644, 0, 0);
    root.remove("/boot/grub/i386-pc");
    root.run_checked({"cp", "-r", "/usr/lib/grub/i386-pc", "/boot/grub/i386-pc"},
                     "copying GRUB's modules");
    root.write_file("/boot/grub/grub.cfg", grub_config(l.root_uuid, version), 0644, 0, 0);
    std::string partmap = l.table == profile::PartitionTable::gpt ? "part_gpt" : "part_msdos";
    root.write_file("/var/tmp/kiln-early.cfg",
                    "search.fs_uuid " + l.root_uuid + " root\nset prefix=($root)/boot/grub\n", 0644,
                    0, 0);
    root.run_checked({"grub-mkimage", "-O", "i386-pc", "-d", "/usr/lib/grub/i386-pc", "-o",
                      kCoreImage, "-c", "/var/tmp/kiln-early.cfg", "-p", "/boot/grub", "biosdisk",
                      partmap, "ext2", "search_fs_uuid"},
                     "making GRUB's core.img");
    root.remove("/var/tmp/kiln-early.cfg");
    // core.img goes on the disk, not in the filesystem: keep it beside the tree.
    auto core = root.read_file(kCoreImage);
    root.remove(kCoreImage);
    if (!core) throw Error("grub-mkimage wrote no core.img");
    std::FILE* f = std::fopen((ctx.work / "core.img").c_str(), "wb");
    if (!f) throw SystemError("cannot write core.img", errno);
    std::fwrite(core->data(), 1, core->size(), f);
    std::fclose(f);
    ctx.note = "kernel " + version;
}

void write_grub_boot_sectors(Context& ctx, const DiskLayout& l, const std::filesystem::path& raw) {
    auto read_all = [](const std::filesystem::path& p) {
        std::string out;
        std::FILE* f = std::fopen(p.c_str(), "rb");
        if (!f) throw SystemError("cannot read " + p.string(), errno);
        char buffer[65536];
        std::size_t n;
        while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
        std::fclose(f);
        return out;
    };
    std::string boot_img = read_all(ctx.tree / "usr/lib/grub/i386-pc/boot.img");
    std::uint64_t sector = core_sector(l);
    std::string core = patch_core_image(read_all(ctx.work / "core.img"), sector);
    const Partition* bios = l.find(PartitionRole::bios_boot);
    std::uint64_t room = bios ? bios->size : l.partitions.front().start - 1;
    if (core.size() / 512 > room)
        throw Error("GRUB's core.img does not fit in front of the partitions");
    UniqueFd disk(::open(raw.c_str(), O_RDWR | O_CLOEXEC));
    if (!disk) throw SystemError("cannot open " + raw.string(), errno);
    std::string mbr(512, '\0');
    bool ok = ::pread(disk.get(), mbr.data(), 512, 0) == 512;
    mbr = patch_boot_sector(boot_img, mbr, sector);
    ok = ok && ::pwrite(disk.get(), mbr.data(), 512, 0) == 512;
    ok = ok && ::pwrite(disk.get(), core.data(), core.size(), static_cast<off_t>(sector * 512)) ==
                   static_cast<ssize_t>(core.size());
    ok = ::fsync(disk.get()) == 0 && ok;
    disk.reset();
    if (!ok) throw SystemError("cannot write GRUB's boot sectors to " + raw.string(), errno);
    ctx.note = "GRUB for bios, natively: boot.img in the MBR, core.img (" +
               std::to_string(core.size() / 512) + " sectors) at sector " + std::to_string(sector);
}

}  // namespace kiln::bake
