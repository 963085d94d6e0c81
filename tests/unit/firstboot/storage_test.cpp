// The data disk: which disk it is, and whether it may be formatted (only when entirely blank).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kiln/error.hpp"
#include "storage/data_disk.hpp"
#include "storage/disk_discovery.hpp"
#include "storage/disk_probe.hpp"

namespace fs = std::filesystem;
using namespace kiln::firstboot;

namespace {

class ScratchDir {
public:
    ScratchDir() {
        path_ = fs::temp_directory_path() /
                ("kiln-storage-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~ScratchDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// A sparse file of `bytes`, with `data` written at `offset` when given.
fs::path disk_file(const fs::path& dir, std::uint64_t bytes, std::uint64_t offset = 0,
                   const std::string& data = "") {
    fs::path file = dir / "disk.img";
    { std::ofstream(file, std::ios::binary | std::ios::trunc); }
    fs::resize_file(file, bytes);
    if (!data.empty()) {
        std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
        out.seekp(static_cast<std::streamoff>(offset));
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    return file;
}

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text << "\n";
}

// /sys/block/NAME with its attributes and optional partitions.
void sys_disk(const fs::path& sys_block, const std::string& name, const std::string& dev,
              std::uint64_t sectors,
              const std::vector<std::pair<std::string, std::string>>& parts = {},
              bool removable = false, bool read_only = false) {
    fs::path dir = sys_block / name;
    write(dir / "dev", dev);
    write(dir / "size", std::to_string(sectors));
    write(dir / "removable", removable ? "1" : "0");
    write(dir / "ro", read_only ? "1" : "0");
    fs::create_directories(dir / "holders");
    for (const auto& [part, number] : parts) {
        write(dir / part / "dev", number);
        write(dir / part / "partition", "1");
        fs::create_directories(dir / part / "holders");
    }
}

const std::string kRootOnVda1 =
    "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "23 22 0:21 / /proc rw shared:2 - proc proc rw\n";

}  // namespace

TEST(DiskProbe, AnAllZeroDiskIsBlank) {
    ScratchDir dir;
    auto contents = probe_disk(disk_file(dir.path(), 64ull << 20));
    EXPECT_TRUE(contents.blank) << contents.description;
}

TEST(DiskProbe, OneByteInTheFirstMebibytesMakesItNotBlank) {
    ScratchDir dir;
    auto contents = probe_disk(disk_file(dir.path(), 64ull << 20, 3ull << 20, "x"));
    EXPECT_FALSE(contents.blank);
    EXPECT_EQ(contents.description, "non-zero data at byte " + std::to_string(3ull << 20));
}

TEST(DiskProbe, DataInTheLastMebibyteMakesItNotBlank) {
    ScratchDir dir;
    std::uint64_t size = 64ull << 20;
    auto contents = probe_disk(disk_file(dir.path(), size, size - 100, "backup"));
    EXPECT_FALSE(contents.blank);
    EXPECT_EQ(contents.description, "non-zero data at byte " + std::to_string(size - 100));
}

TEST(DiskProbe, DataInTheMiddleIsNotLookedAt) {
    // Only where partition tables and signatures live is read: a disk is not scanned whole.
    ScratchDir dir;
    auto contents = probe_disk(disk_file(dir.path(), 64ull << 20, 32ull << 20, "x"));
    EXPECT_TRUE(contents.blank);
}

TEST(DiskProbe, AnMbrPartitionTableIsNamed) {
    ScratchDir dir;
    std::string mbr(512, '\0');
    mbr[446 + 4] = 0x83;  // one Linux partition entry
    mbr[446 + 8] = 1;     // starting at sector 1 ...
    mbr[446 + 12] = 100;  // ... 100 sectors long
    mbr[510] = static_cast<char>(0x55);
    mbr[511] = static_cast<char>(0xAA);
    auto contents = probe_disk(disk_file(dir.path(), 64ull << 20, 0, mbr));
    EXPECT_FALSE(contents.blank);
    EXPECT_EQ(contents.description, "a dos partition table");
}

TEST(DiskProbe, AFilesystemIsNamedWithItsLabel) {
    ScratchDir dir;
    fs::path disk = disk_file(dir.path(), 64ull << 20);
    ASSERT_EQ(std::system(("mkfs.ext4 -q -F -L olddata " + disk.string()).c_str()), 0);
    auto contents = probe_disk(disk);
    EXPECT_FALSE(contents.blank);
    EXPECT_EQ(contents.description, "an ext4 signature labelled 'olddata'");
    EXPECT_EQ(filesystem_type(disk), "ext4");
}

TEST(DiskProbe, AMissingDeviceIsAnError) {
    EXPECT_THROW(probe_disk("/nonexistent/kiln-disk"), kiln::SystemError);
}

TEST(DiskDiscovery, TheOneDiskHoldingNothingMountedIsTheCandidate) {
    ScratchDir dir;
    fs::path sys = dir.path() / "block";
    sys_disk(sys, "vda", "252:0", 16777216, {{"vda1", "252:1"}});
    sys_disk(sys, "vdb", "252:16", 16777216);
    auto disks = candidate_data_disks(sys, kRootOnVda1, "");
    ASSERT_EQ(disks.size(), 1u);
    EXPECT_EQ(disks[0].name, "vdb");
    EXPECT_EQ(disks[0].device, "/dev/vdb");
    EXPECT_EQ(disks[0].bytes, 16777216ull * 512);
}

TEST(DiskDiscovery, VirtualRemovableReadOnlyEmptySwapAndStackedDisksAreNotCandidates) {
    ScratchDir dir;
    fs::path sys = dir.path() / "block";
    sys_disk(sys, "vda", "252:0", 16777216, {{"vda1", "252:1"}});
    sys_disk(sys, "loop0", "7:0", 1000);
    sys_disk(sys, "sr0", "11:0", 1000);
    sys_disk(sys, "dm-0", "253:0", 1000);
    sys_disk(sys, "sdc", "8:32", 1000, {}, /*removable=*/true);
    sys_disk(sys, "sdd", "8:48", 1000, {}, false, /*read_only=*/true);
    sys_disk(sys, "sde", "8:64", 0);
    sys_disk(sys, "sdf", "8:80", 1000);  // swap
    sys_disk(sys, "sdg", "8:96", 1000, {{"sdg1", "8:97"}});
    write(sys / "sdg" / "sdg1" / "holders" / "dm-0", "");  // LVM on a partition
    auto disks = candidate_data_disks(
        sys, kRootOnVda1, "Filename Type Size Used Priority\n/dev/sdf partition 1 0 -2\n");
    EXPECT_TRUE(disks.empty()) << disks.front().name;
}

TEST(DiskDiscovery, SeveralCandidatesAreAllReturnedInNameOrder) {
    ScratchDir dir;
    fs::path sys = dir.path() / "block";
    sys_disk(sys, "sdc", "8:32", 1000);
    sys_disk(sys, "sdb", "8:16", 1000);
    auto disks = candidate_data_disks(sys, "", "");
    ASSERT_EQ(disks.size(), 2u);
    EXPECT_EQ(disks[0].name, "sdb");
    EXPECT_EQ(disks[1].name, "sdc");
}

TEST(DiskDiscovery, MountedDeviceNumbersSkipVirtualFilesystems) {
    EXPECT_EQ(mounted_device_numbers(kRootOnVda1), std::vector<std::string>{"252:1"});
}

TEST(DiskDiscovery, ALabelLinkResolvesToItsDevice) {
    ScratchDir dir;
    write(dir.path() / "dev/vdb", "");
    fs::create_directories(dir.path() / "dev/disk/by-label");
    fs::create_symlink("../../vdb", dir.path() / "dev/disk/by-label/kiln-data");
    auto device = device_by_label(dir.path(), "kiln-data");
    ASSERT_TRUE(device.has_value());
    EXPECT_EQ(*device, fs::canonical(dir.path() / "dev/vdb"));
    EXPECT_FALSE(device_by_label(dir.path(), "other").has_value());
}

TEST(StatePaths, EveryDcsMemberKeepsItsDataInItsFolderOnTheDataDisk) {
    kiln::image::ImageConfig image;
    DcsDataDirs defaults{"/var/lib/etcd/default", "/var/lib/zookeeper", "/opt/consul"};
    StatePaths on_os_disk = state_paths(image, defaults);
    EXPECT_EQ(on_os_disk.dcs.zookeeper, "/var/lib/zookeeper");
    image.data_disk = kiln::image::DataDisk{};
    image.data_disk->mount = "/data";
    StatePaths on_data_disk = state_paths(image, defaults);
    EXPECT_EQ(on_data_disk.postgres_data_dir, "/data/postgresql/data");
    EXPECT_EQ(on_data_disk.dcs.etcd, "/data/etcd");
    EXPECT_EQ(on_data_disk.dcs.zookeeper, "/data/zookeeper");
    EXPECT_EQ(on_data_disk.dcs.consul, "/data/consul");
}
