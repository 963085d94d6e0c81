// The pure parts of kiln build: disk layout, GRUB boot sector patching, package-manager
// drivers (apt and the EL yum/dnf path, which no mirror here can exercise for real), bootstrap
// command lines, settings edits, accounts, unit parsing.
#include <gtest/gtest.h>

#include "bake/build_options.hpp"
#include "bake/progress.hpp"
#include "bake/steps/bootloader_native.hpp"
#include "bake/steps/bootstrap.hpp"
#include "bake/steps/disk.hpp"
#include "bake/steps/firstboot_install.hpp"
#include "bake/steps/packages.hpp"
#include "bake/steps/settings.hpp"
#include "enum_names_check.hpp"
#include "plan/planner.hpp"

using namespace kiln;
using namespace kiln::bake;

namespace {

plan::MakeDisk disk(unsigned long long gib, profile::PartitionTable table, profile::Firmware fw) {
    plan::MakeDisk d;
    d.size.value = gib << 30;
    d.partition_table = table;
    d.firmware = fw;
    return d;
}

profile::Text text(const std::string& v, int line = 1) {
    return {v, {"p.yml", line, 3}};
}

TEST(DiskLayout, GptBiosHasABiosBootPartitionThenRootToTheEnd) {
    auto l = plan_disk(disk(8, profile::PartitionTable::gpt, profile::Firmware::bios), "digest");
    ASSERT_EQ(l.partitions.size(), 2u);
    EXPECT_EQ(l.partitions[0].role, PartitionRole::bios_boot);
    EXPECT_EQ(l.partitions[0].start, 2048u);
    EXPECT_EQ(l.partitions[0].type, "21686148-6449-6E6F-744E-656564454649");
    EXPECT_EQ(l.partitions[1].start, 4096u);
    EXPECT_LE(l.partitions[1].start + l.partitions[1].size, (8ULL << 30) / 512 - 34);  // backup GPT
    EXPECT_EQ(l.partitions[1].size % 8, 0u);
    EXPECT_EQ(l.index_of(PartitionRole::root), 2);
}

TEST(DiskLayout, HybridHasBiosBootAndEspAndMbrHasRootOnly) {
    auto h = plan_disk(disk(8, profile::PartitionTable::gpt, profile::Firmware::hybrid), "d");
    ASSERT_EQ(h.partitions.size(), 3u);
    EXPECT_EQ(h.partitions[1].role, PartitionRole::esp);
    EXPECT_NE(fstab_text(h, profile::Filesystem::ext4).find("/boot/efi\tvfat"), std::string::npos);
    auto m = plan_disk(disk(8, profile::PartitionTable::mbr, profile::Firmware::bios), "d");
    ASSERT_EQ(m.partitions.size(), 1u);
    EXPECT_EQ(m.partitions[0].type, "83");
    EXPECT_NE(sfdisk_script(m).find("label: dos"), std::string::npos);
    EXPECT_NE(sfdisk_script(m).find("bootable"), std::string::npos);
}

// A kiln image used as another build's base grows: its GPT must leave no reserve at the end once
// sgdisk -e moved the backup table, which gdisk 1.0.9 makes as large as the reserve at the start.
TEST(DiskLayout, GptUsableAreaStartsRightAfterTheTable) {
    auto g = plan_disk(disk(2, profile::PartitionTable::gpt, profile::Firmware::bios), "d");
    EXPECT_NE(sfdisk_script(g).find("\nfirst-lba: 34\n"), std::string::npos) << sfdisk_script(g);
    auto m = plan_disk(disk(2, profile::PartitionTable::mbr, profile::Firmware::bios), "d");
    EXPECT_EQ(sfdisk_script(m).find("first-lba"), std::string::npos);
}

TEST(DiskLayout, IdsAreDeterministicPerProfileDigest) {
    auto a = plan_disk(disk(2, profile::PartitionTable::gpt, profile::Firmware::bios), "one");
    auto b = plan_disk(disk(2, profile::PartitionTable::gpt, profile::Firmware::bios), "one");
    auto c = plan_disk(disk(2, profile::PartitionTable::gpt, profile::Firmware::bios), "two");
    EXPECT_EQ(a.root_uuid, b.root_uuid);
    EXPECT_NE(a.root_uuid, c.root_uuid);
    EXPECT_EQ(a.root_uuid.size(), 36u);
    EXPECT_EQ(a.root_uuid[14], '4');
    EXPECT_NE(fstab_text(a, profile::Filesystem::ext4).find("UUID=" + a.root_uuid + "\t/\text4"),
              std::string::npos);
    // sfdisk and mkfs.ext4 draw these at random unless told: the disk's and each partition's
    // GUID, the directory hash seed.
    EXPECT_EQ(sfdisk_script(a), sfdisk_script(b));
    EXPECT_NE(sfdisk_script(a), sfdisk_script(c));
    EXPECT_NE(sfdisk_script(a).find("\nlabel-id: " + a.disk_id + "\n"), std::string::npos)
        << sfdisk_script(a);
    for (const auto& p : a.partitions) {
        EXPECT_EQ(p.guid.size(), 36u);
        EXPECT_NE(sfdisk_script(a).find("name=" + p.name + ", uuid=" + p.guid + "\n"),
                  std::string::npos)
            << sfdisk_script(a);
    }
    EXPECT_NE(a.partitions[0].guid, a.partitions[1].guid);
    EXPECT_EQ(a.root_hash_seed, b.root_hash_seed);
    EXPECT_NE(a.root_hash_seed, a.root_uuid);
    EXPECT_NE(a.root_hash_seed, c.root_hash_seed);
    auto mbr = plan_disk(disk(2, profile::PartitionTable::mbr, profile::Firmware::bios), "one");
    EXPECT_NE(sfdisk_script(mbr).find("\nlabel-id: 0x" + mbr.disk_id.substr(2) + "\n"),
              std::string::npos)
        << sfdisk_script(mbr);
    EXPECT_EQ(mbr.disk_id.size(), 10u);
}

TEST(GrubBootSector, KeepsThePartitionTableAndPointsAtCore) {
    std::string boot(512, '\x11'), old(512, '\0');
    for (int i = 0x1b8; i < 512; ++i) old[i] = static_cast<char>(i & 0xff);
    old[0x10] = '\x42';  // BPB area
    std::string mbr = patch_boot_sector(boot, old, 2048);
    EXPECT_EQ(mbr.substr(0x1b8), old.substr(0x1b8));
    EXPECT_EQ(mbr[0x10], '\x42');
    EXPECT_EQ(static_cast<unsigned char>(mbr[0x5c]), 0x00);
    EXPECT_EQ(static_cast<unsigned char>(mbr[0x5d]), 0x08);  // 2048 little-endian
    EXPECT_EQ(static_cast<unsigned char>(mbr[0x64]), 0xff);
    EXPECT_EQ(static_cast<unsigned char>(mbr[0x66]), 0x90);
    EXPECT_EQ(mbr[0x00], '\x11');
    EXPECT_THROW(patch_boot_sector(std::string(100, 'x'), old, 1), Error);
}

TEST(GrubBootSector, CoreBlocklistFollowsItsFirstSector) {
    std::string core(3 * 512 + 10, '\0');
    std::string patched = patch_core_image(core, 2048);
    EXPECT_EQ(patched.size(), 4u * 512);
    EXPECT_EQ(static_cast<unsigned char>(patched[0x1f4]), 0x01);  // 2049
    EXPECT_EQ(static_cast<unsigned char>(patched[0x1f5]), 0x08);
    EXPECT_EQ(static_cast<unsigned char>(patched[0x1fc]), 3);  // sectors after the first
    std::string cfg = grub_config("u-u-i-d", "6.1.0-56-amd64");
    EXPECT_NE(cfg.find("search --no-floppy --fs-uuid --set=root u-u-i-d"), std::string::npos);
    EXPECT_NE(cfg.find("linux /boot/vmlinuz-6.1.0-56-amd64 root=UUID=u-u-i-d"), std::string::npos);
}

TEST(PackageDrivers, AptRepositoryInstallAndErrors) {
    auto apt = PackageDriver::make(profile::PackageManager::apt);
    ASSERT_TRUE(apt);
    plan::AddRepository r;
    r.repository = text("pgdg");
    r.uri = text("http://apt.example/pub");
    r.suite = text("bookworm-pgdg");
    r.components = {text("main")};
    r.signed_by = text("keys/pgdg.asc");
    auto [path, body] = apt->repository_file(r);
    EXPECT_EQ(path, "/etc/apt/sources.list.d/kiln-pgdg.sources");
    EXPECT_NE(
        body.find(
            "Suites: bookworm-pgdg\nComponents: main\nSigned-By: /etc/apt/keyrings/kiln-pgdg.asc"),
        std::string::npos);
    auto cmds = apt->install_commands({"hello"});
    ASSERT_EQ(cmds.size(), 2u);
    EXPECT_EQ(cmds[1].back(), "hello");
    auto missing = apt->missing_packages(
        "E: Unable to locate package nope\nE: Package 'gone' has no installation candidate\n");
    EXPECT_EQ(missing, (std::vector<std::string>{"nope", "gone"}));
}

TEST(PackageDrivers, YumAndDnfForTheElPath) {
    auto yum = PackageDriver::make(profile::PackageManager::yum);
    ASSERT_TRUE(yum);
    plan::AddRepository r;
    r.repository = text("base");
    r.baseurl = text("http://vault.example/7.9.2009/os/x86_64/");
    r.gpgkey = text("file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7");
    auto [path, body] = yum->repository_file(r);
    EXPECT_EQ(path, "/etc/yum.repos.d/kiln-base.repo");
    EXPECT_NE(body.find("[base]\nname=base\nbaseurl=http://vault.example/7.9.2009/os/x86_64/"
                        "\nenabled=1\ngpgcheck=1\n"),
              std::string::npos);
    auto install = yum->install_commands({"patroni", "etcd"}).front();
    EXPECT_EQ(install[0], "yum");
    // yum exits 0 when a name does not exist unless told otherwise.
    EXPECT_NE(
        std::find(install.begin(), install.end(), "--setopt=skip_missing_names_on_install=False"),
        install.end());
    EXPECT_EQ(yum->missing_packages("No package nope available.\n"),
              std::vector<std::string>{"nope"});
    // dnf 4.14's words for a package signed with a key the repository does not name.
    EXPECT_EQ(yum->unverified_packages(
                  "Public key for kiln-forged-1.0-1.noarch.rpm is not installed. Failing package "
                  "is: kiln-forged-1.0-1.noarch\n GPG Keys are configured as: "
                  "file:///k.asc\nError: GPG check FAILED\n"),
              std::vector<std::string>{"kiln-forged"});
    EXPECT_EQ(yum->unverified_packages("Package python3-x-2:1.0-1.el9.noarch.rpm is not signed\n"),
              std::vector<std::string>{"python3-x"});
    EXPECT_TRUE(yum->unverified_packages("No package nope available.\n").empty());
    auto dnf = PackageDriver::make(profile::PackageManager::dnf);
    ASSERT_TRUE(dnf);
    EXPECT_EQ(dnf->install_commands({"x"}).front()[0], "dnf");
    EXPECT_EQ(dnf->missing_packages("No match for argument: nope\n"),
              std::vector<std::string>{"nope"});
    EXPECT_EQ(yum->query_command()[0], "rpm");
}

TEST(PackageDrivers, InstalledListParsesDpkgAndRpm) {
    auto list = parse_package_list(
        "ii \thello\t2.10-3\tamd64\nrc \told\t1\tamd64\nii \tbash\t0:4.2.46-35.el7\tx86_64\n");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "bash");
    EXPECT_EQ(list[0].version, "4.2.46-35.el7");
    EXPECT_EQ(list[1].name, "hello");
    profile::TextList profile_list = {text("postgresql-15=15.8-0+deb12u1", 7)};
    ASSERT_NE(find_package(profile_list, "postgresql-15"), nullptr);
    EXPECT_EQ(find_package(profile_list, "postgresql-15")->where.line, 7);
}

// A bookworm bootstrap from a mirror of the example domain.
plan::Bootstrap bookworm(profile::BootstrapTool tool) {
    plan::Bootstrap b;
    b.tool = tool;
    b.release = text("bookworm");
    b.mirror = text("http://deb.example/debian");
    b.arch = text("amd64");
    return b;
}

// The plan's initramfs modules are written (MODULES=list and the list) in the one hook that
// makes the initramfs, before it does; without them the hook is as before (MODULES=most).
TEST(Bootstrap, MmdebstrapMakesTheInitramfsFromThePlannedModulesOnly) {
    plan::Bootstrap b = bookworm(profile::BootstrapTool::mmdebstrap);
    auto customize_hook = [](const std::vector<std::string>& c) {
        for (const auto& a : c)
            if (a.starts_with("--customize-hook=") && a.find("update-initramfs -c") != a.npos)
                return a;
        return std::string();
    };
    EXPECT_EQ(customize_hook(bootstrap_command(b, "/t", "", "/r")).find("MODULES"),
              std::string::npos);
    b.initramfs_modules = {text("vmw_pvscsi"), text("virtio_blk"), text("ext4")};
    std::string hook = customize_hook(bootstrap_command(b, "/t", "", "/r"));
    std::size_t conf =
        hook.find("printf %s 'MODULES=list\n' > \"$1/etc/initramfs-tools/conf.d/kiln-modules\"");
    std::size_t list =
        hook.find("vmw_pvscsi\nvirtio_blk\next4\n' > \"$1/etc/initramfs-tools/modules\"");
    std::size_t make = hook.find("update-initramfs -c -k all");
    ASSERT_NE(conf, std::string::npos) << hook;
    ASSERT_NE(list, std::string::npos) << hook;
    EXPECT_LT(conf, make);
    EXPECT_LT(list, make);
    EXPECT_LT(hook.find("if [ -x"), conf) << "only where initramfs-tools is installed";
}

TEST(Bootstrap, DebootstrapAndElInstallrootCommands) {
    plan::Bootstrap b = bookworm(profile::BootstrapTool::debootstrap);
    b.variant = text("minbase");
    b.packages = {text("linux-image-amd64"), text("grub-pc")};
    auto c = bootstrap_command(b, "/t", "/cache", "/repos");
    EXPECT_EQ(c.front(), "debootstrap");
    EXPECT_NE(std::find(c.begin(), c.end(), "--include=linux-image-amd64,grub-pc"), c.end());
    EXPECT_EQ(c[c.size() - 3], "bookworm");
    EXPECT_EQ(bootstrap_missing_packages(b.tool, "E: Couldn't find these debs: a b\n"),
              (std::vector<std::string>{"a", "b"}));
    b.tool = profile::BootstrapTool::mmdebstrap;
    auto m = bootstrap_command(b, "/t", "/var/cache/kiln's", "/repos");
    EXPECT_EQ(m.front(), "mmdebstrap");
    EXPECT_NE(std::find(m.begin(), m.end(), "--mode=root"), m.end());
    EXPECT_NE(std::find(m.begin(), m.end(), "--variant=minbase"), m.end());
    EXPECT_NE(std::find(m.begin(), m.end(), "--include=linux-image-amd64,grub-pc"), m.end());
    EXPECT_EQ(std::vector<std::string>(m.end() - 3, m.end()),
              (std::vector<std::string>{"bookworm", "/t", "http://deb.example/debian"}));
    auto hooks = std::count_if(m.begin(), m.end(), [](const std::string& a) {
        return a.find("'/var/cache/kiln'\\''s'") != std::string::npos;
    });
    EXPECT_EQ(hooks, 2) << "the package cache goes in and out, shell-quoted";
    auto hook_with = [&](const std::string& kind, const std::string& text) {
        return std::any_of(m.begin(), m.end(), [&](const std::string& a) {
            return a.starts_with("--" + kind + "-hook=") && a.find(text) != std::string::npos;
        });
    };
    EXPECT_TRUE(hook_with("setup", "force-unsafe-io"));
    EXPECT_TRUE(hook_with("essential",
                          "dpkg-divert --quiet --local --rename --add "
                          "/usr/sbin/update-initramfs"));
    EXPECT_TRUE(hook_with("customize", "--remove /usr/sbin/update-initramfs"));
    EXPECT_TRUE(hook_with("customize", "/usr/sbin/update-initramfs -c -k all"))
        << "one initramfs per kernel, generated after every package";
    EXPECT_TRUE(hook_with("customize", "/etc/dpkg/dpkg.cfg.d/kiln-bootstrap\""))
        << "the unsafe-io setting does not stay in the image";
    EXPECT_EQ(bootstrap_missing_packages(b.tool, "E: Unable to locate package nosuch-pkg\n"),
              std::vector<std::string>{"nosuch-pkg"});
    b.tool = profile::BootstrapTool::yum;
    b.release = text("7");
    b.mirror = text("http://vault.example/7.9.2009/os/x86_64/");
    auto y = bootstrap_command(b, "/t", "/cache", "/repos");
    EXPECT_EQ(y[0], "yum");
    EXPECT_NE(std::find(y.begin(), y.end(), "--installroot=/t"), y.end());
    EXPECT_NE(std::find(y.begin(), y.end(), "--releasever=7"), y.end());
    EXPECT_NE(std::find(y.begin(), y.end(), "grub2-pc"), y.end());
    EXPECT_NE(el_bootstrap_repo_file(b).find("baseurl=http://vault.example/7.9.2009/os/x86_64/"),
              std::string::npos);
    EXPECT_EQ(bootstrap_missing_packages(b.tool, "No package grub-pc available.\n"),
              std::vector<std::string>{"grub-pc"});
}

// The bootstrap mirror's repository file checks signatures with the profile's key; only a
// profile that says gpgcheck: false gets an unchecked one.
TEST(Bootstrap, TheElMirrorIsCheckedWithTheProfilesKey) {
    plan::Bootstrap b;
    b.tool = profile::BootstrapTool::dnf;
    b.mirror = text("https://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/");
    b.signatures = plan::BootstrapSignatures{
        .gpgkey = text("https://dl.rockylinux.org/pub/rocky/RPM-GPG-KEY-Rocky-9"),
        .gpgcheck = true};
    EXPECT_NE(el_bootstrap_repo_file(b).find(
                  "[kiln-bootstrap]\nname=kiln-bootstrap\n"
                  "baseurl=https://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/\nenabled=1\n"
                  "gpgcheck=1\ngpgkey=https://dl.rockylinux.org/pub/rocky/RPM-GPG-KEY-Rocky-9\n"),
              std::string::npos)
        << el_bootstrap_repo_file(b);
    b.signatures = plan::BootstrapSignatures{.gpgkey = {}, .gpgcheck = false};
    const std::string unchecked = el_bootstrap_repo_file(b);
    EXPECT_NE(unchecked.find("\ngpgcheck=0\n"), std::string::npos) << unchecked;
    EXPECT_EQ(unchecked.find("gpgkey="), std::string::npos) << unchecked;
}

TEST(Bootstrap, DebianToolsShareOnePackageCachePerRelease) {
    plan::Bootstrap b;
    b.release = text("bookworm");
    b.tool = profile::BootstrapTool::debootstrap;
    const std::string debootstrap = package_cache_name(b);
    b.tool = profile::BootstrapTool::mmdebstrap;
    EXPECT_EQ(package_cache_name(b), debootstrap);
    b.release = text("trixie");
    EXPECT_NE(package_cache_name(b), debootstrap);
    b.tool = profile::BootstrapTool::yum;
    b.release = text("bookworm");
    EXPECT_NE(package_cache_name(b), debootstrap) << "rpm and deb caches stay apart";
}

TEST(Settings, KeyValueAndCommentEdits) {
    EXPECT_EQ(
        set_key_value_lines("# Server=\nServer=127.0.0.1\nHostname=x\n", "Server", "z.example"),
        "Server=z.example\nHostname=x\n");
    EXPECT_EQ(set_key_value_lines("A=1\n", "B", "2"), "A=1\nB=2\n");
    EXPECT_EQ(comment_lines("pool 2.debian.pool.ntp.org iburst\nmakestep 1 3\n", {"pool "}),
              "# (kiln) pool 2.debian.pool.ntp.org iburst\nmakestep 1 3\n");
}

TEST(EnumNames, BuildEnumsRoundTrip) {
    kiln::test::expect_names_round_trip(Accel::tcg);
    kiln::test::expect_names_round_trip(OpStatus::failed);
    kiln::test::expect_names_round_trip(plan::UnitAction::mask);
    kiln::test::expect_names_round_trip(plan::Stage::output);
    EXPECT_EQ(parse_enum<Accel>("auto"), Accel::automatic);
}

TEST(Firstboot, ExecStartProgramComesFromTheUnitOrTheFallbackUnit) {
    EXPECT_EQ(exec_start_program("[Service]\nExecStart=-/usr/libexec/kiln/kiln-firstboot --x\n"),
              "/usr/libexec/kiln/kiln-firstboot");
    EXPECT_EQ(exec_start_program(plan::fallback_firstboot_unit()), "/usr/bin/kiln-firstboot");
}

}  // namespace
