// virt-v2v accepts kiln's OVA: `virt-v2v -i ova` reads the tar, checks the manifest, parses the
// OVF (disk, controller, CPUs, memory), opens the streamOptimized VMDK through QEMU, inspects the
// guest and converts it (-o null), all under TCG.
//
// The guest is a minimal Debian 12 (debootstrap minbase + kernel) on a partitioned disk, built
// once and cached in $KILN_TEST_CACHE (default /var/tmp/kiln-test-cache); KILN_V2V_GUEST=DISK
// uses an existing image instead (e.g. a `kiln build` output).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "export/process.hpp"

namespace fs = std::filesystem;
using kiln::exporter::ProcessResult;
using kiln::exporter::run_process;

namespace {

const std::string kKiln = std::string(KILN_BINARY_DIR) + "/builder/kiln";

ProcessResult sh(const std::string& script) {
    return run_process({"sh", "-c", script});
}

fs::path cache_dir() {
    const char* dir = std::getenv("KILN_TEST_CACHE");
    return dir && *dir ? fs::path(dir) : fs::path("/var/tmp/kiln-test-cache");
}

// A small Debian guest whose disk has a partition table, an fstab by UUID, a kernel with its
// initramfs, a GRUB configuration and grub-mkconfig: what virt-v2v's inspection and conversion
// look for (conversion regenerates the GRUB configuration).
fs::path debian_guest() {
    fs::path image = cache_dir() / "v2v-debian12-grub.qcow2";
    if (fs::exists(image)) return image;
    fs::create_directories(cache_dir());
    const std::string uuid = "6b3f6b8e-4d0c-4a53-9a4e-2f1f6f0d6b11";
    fs::path work = cache_dir() / ("v2v-build-" + std::to_string(::getpid()));
    std::string script =
        "set -e; w='" + work.string() +
        "'; rm -rf \"$w\"; mkdir -p \"$w\"; "
        "debootstrap --variant=minbase "
        "--include=linux-image-amd64,systemd-sysv,initramfs-tools,udev,kmod,grub2-common,grub-pc-"
        "bin "
        "bookworm \"$w/tree\" http://deb.debian.org/debian > \"$w/debootstrap.log\" 2>&1 || "
        "{ tail -20 \"$w/debootstrap.log\"; exit 1; }; "
        "echo 'UUID=" +
        uuid +
        " / ext4 errors=remount-ro 0 1' > \"$w/tree/etc/fstab\"; "
        "echo v2v-guest > \"$w/tree/etc/hostname\"; "
        "k=$(ls \"$w/tree/boot\" | sed -n 's/^vmlinuz-//p' | head -1); mkdir -p "
        "\"$w/tree/boot/grub\"; "
        "printf 'set default=0\\nset timeout=1\\nmenuentry \"Debian GNU/Linux\" {\\n  insmod "
        "ext2\\n"
        "  search --no-floppy --fs-uuid --set=root " +
        uuid + "\\n  linux /boot/vmlinuz-%s root=UUID=" + uuid +
        " ro\\n  initrd /boot/initrd.img-%s\\n}\\n' \"$k\" \"$k\" > "
        "\"$w/tree/boot/grub/grub.cfg\"; "
        "rm -rf \"$w/tree/var/cache/apt/archives\"/*.deb; "
        "truncate -s 3G \"$w/disk.raw\"; "
        "printf 'label: dos\\nstart=2048, type=83, bootable\\n' | sfdisk -q \"$w/disk.raw\"; "
        "mkfs.ext4 -q -F -U " +
        uuid +
        " -E offset=1048576 -d \"$w/tree\" \"$w/disk.raw\" 3071M; "
        "qemu-img convert -f raw -O qcow2 \"$w/disk.raw\" \"$w/disk.qcow2\"; "
        "mv \"$w/disk.qcow2\" '" +
        image.string() + "'; rm -rf \"$w\"";
    ProcessResult r = sh(script);
    if (r.status != 0) {
        sh("rm -rf '" + work.string() + "'");
        ADD_FAILURE() << "cannot build the Debian guest for virt-v2v:\n" << r.out << r.err;
        return {};
    }
    return image;
}

TEST(VirtV2v, AcceptsTheOva) {
    const char* given = std::getenv("KILN_V2V_GUEST");
    fs::path guest = given && *given ? fs::path(given) : debian_guest();
    ASSERT_FALSE(guest.empty());
    fs::path dir = fs::temp_directory_path() / ("kiln-v2v-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path ova = dir / "node.ova";

    ProcessResult r = run_process(
        {kKiln, "export", guest.string(), "-o", ova.string(), "--name", "v2v-node", "--profile",
         std::string(KILN_SOURCE_DIR) + "/tests/unit/export/golden/node.yml"});
    ASSERT_EQ(r.status, 0) << r.err;

    // TCG: /dev/kvm exists here but hangs. ctest sets these too; a direct run needs them.
    ::setenv("LIBGUESTFS_BACKEND", "direct", 1);
    ::setenv("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg", 1);
    r = run_process({"virt-v2v", "-i", "ova", ova.string(), "-o", "null"});
    std::string log = r.out + r.err;
    EXPECT_EQ(r.status, 0) << log;
    EXPECT_NE(log.find("Opening the source"), std::string::npos) << log;
    EXPECT_NE(log.find("Finishing off"), std::string::npos) << log;
    EXPECT_EQ(log.find("checksum of disk"), std::string::npos) << log;  // manifest accepted
    fs::remove_all(dir);
}

}  // namespace
