// /dev's device nodes in a bootstrapped image: taken out of the tree (nodes or a rootless
// bootstrap's placeholder files) and made in the filesystem by debugfs, so that root and rootless
// builds give the same filesystem.
#include "bake/steps/static_devices.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bake/guest/native_root.hpp"
#include "bake/tools.hpp"

namespace fs = std::filesystem;
using namespace kiln::bake;

namespace {

constexpr std::int64_t kEpoch = 1700000000;

struct TempTree {
    fs::path path = fs::temp_directory_path() / ("kiln-static-dev-" + std::to_string(::getpid()));
    TempTree() { fs::create_directories(path / "tree/dev"); }
    ~TempTree() { fs::remove_all(path); }
};

TEST(StaticDevices, TheTreeKeepsTheFoldersAndLinksButNoDevice) {
    TempTree t;
    std::ofstream(t.path / "tree/dev/null");  // a rootless bootstrap's placeholder
    std::ofstream(t.path / "tree/dev/keep");
    NativeRoot root(t.path / "tree");
    remove_static_devices(root);
    for (const auto& device : static_devices())
        EXPECT_FALSE(fs::exists(fs::symlink_status(t.path / "tree/dev" / device.name)))
            << device.name;
    EXPECT_TRUE(fs::exists(t.path / "tree/dev/keep"));
    EXPECT_TRUE(fs::is_directory(t.path / "tree/dev/pts"));
    EXPECT_TRUE(fs::is_directory(t.path / "tree/dev/shm"));
    EXPECT_EQ(fs::read_symlink(t.path / "tree/dev/stderr"), "/proc/self/fd/2");
}

TEST(StaticDevices, DebugfsMakesEachNodeWithItsNumbersModeAndTimes) {
    TempTree t;
    const fs::path image = t.path / "root.img";
    ASSERT_TRUE(run({{"truncate", "-s", "16M", image.string()}}).succeeded());
    ASSERT_TRUE(run({{"mkfs.ext4", "-q", "-F", "-d", (t.path / "tree").string(), image.string()}})
                    .succeeded());
    add_static_devices(image, 0, kEpoch, t.path);
    kiln::ProcessResult null =
        run({{"debugfs", "-R", "stat /dev/null", image.string()}}, StdoutTo::result);
    EXPECT_NE(null.out.find("Type: character special    Mode:  0666"), std::string::npos)
        << null.out;
    EXPECT_NE(null.out.find("Device major/minor number: 01:03"), std::string::npos) << null.out;
    EXPECT_NE(null.out.find("User:     0   Group:     0"), std::string::npos) << null.out;
    EXPECT_NE(null.out.find("crtime: 0x6553f100"), std::string::npos) << null.out;
    EXPECT_NE(null.out.find("mtime: 0x6553f100"), std::string::npos) << null.out;
    kiln::ProcessResult dev =
        run({{"debugfs", "-R", "ls -l /dev", image.string()}}, StdoutTo::result);
    for (const auto& device : static_devices())
        EXPECT_NE(dev.out.find(std::string(" ") + device.name + "\n"), std::string::npos)
            << device.name << " in\n"
            << dev.out;
}

}  // namespace
