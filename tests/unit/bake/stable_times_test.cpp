// The times a root made from a tree carries: the clamp on the host tree, and the inodes whose
// ctime the build sets afterwards (read from dumpe2fs).
#include "bake/steps/stable_times.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kiln/error.hpp"

namespace fs = std::filesystem;
using namespace kiln::bake;

namespace {

constexpr std::int64_t kEpoch = 1700000000;

struct stat lstat_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
}

void set_times(const fs::path& p, std::int64_t atime, std::int64_t mtime) {
    const struct timespec times[2] = {{atime, 0}, {mtime, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << p;
}

TEST(StableTimes, ClampSetsLaterTimesToTheEpochAndKeepsEarlierOnes) {
    fs::path tree = fs::temp_directory_path() / ("kiln-clamp-" + std::to_string(::getpid()));
    fs::remove_all(tree);
    fs::create_directories(tree / "etc");
    std::ofstream(tree / "etc/new") << "written by the build\n";
    std::ofstream(tree / "etc/packaged") << "from a package\n";
    set_times(tree / "etc/packaged", kEpoch - 50, kEpoch - 100);
    std::ofstream(tree / "target") << "x";
    fs::create_symlink("../target", tree / "etc/link");
    // The link's target keeps a time after the epoch only through the link: not followed.
    set_times(tree / "target", kEpoch - 10, kEpoch - 10);

    EXPECT_EQ(clamp_tree_times(tree, kEpoch), 4u) << "the tree, etc, etc/new, etc/link";

    for (const char* p : {"", "etc", "etc/new", "etc/link"}) {
        auto st = lstat_of(tree / p);
        EXPECT_EQ(st.st_mtime, kEpoch) << p;
        EXPECT_EQ(st.st_atime, kEpoch) << p;
        EXPECT_EQ(st.st_mtim.tv_nsec, 0) << p;
    }
    auto packaged = lstat_of(tree / "etc/packaged");
    EXPECT_EQ(packaged.st_mtime, kEpoch - 100);
    EXPECT_EQ(packaged.st_atime, kEpoch - 50);
    EXPECT_EQ(lstat_of(tree / "target").st_mtime, kEpoch - 10);
    fs::remove_all(tree);
}

// dumpe2fs's shape (e2fsprogs 1.47.0), trimmed: two groups of 16 inodes.
constexpr const char* kDumpe2fs =
    "Filesystem volume name:   root\n"
    "Inode count:              32\n"
    "Free inodes:              14\n"
    "Group descriptor size:    64\n"
    "Inodes per group:         16\n"
    "First inode:              11\n"
    "\n"
    "Group 0: (Blocks 0-32767) csum 0x9f07 [ITABLE_ZEROED]\n"
    "  Free blocks: 30000-32767\n"
    "  Free inodes: 15\n"
    "Group 1: (Blocks 32768-65535) csum 0x9c88 [INODE_UNINIT, ITABLE_ZEROED]\n"
    "  Free blocks: 32768-65535\n"
    "  Free inodes: 17, 21-32\n";

TEST(StableTimes, PopulatedInodesAreTheRootAndTheUsedOnesFromTheFirstInode) {
    // 1 and 3-10 are reserved (bad blocks, journal...): mkfs made them, not the tree.
    EXPECT_EQ(populated_inodes(kDumpe2fs),
              (std::vector<std::uint32_t>{2, 11, 12, 13, 14, 16, 18, 19, 20}));
    EXPECT_THROW(populated_inodes("nothing useful\n"), kiln::Error);
}

TEST(StableTimes, DebugfsCommandsSetEachCtime) {
    EXPECT_EQ(ctime_commands({2, 12}, kEpoch),
              "set_inode_field <2> ctime @1700000000\nset_inode_field <12> ctime @1700000000\n");
}

}  // namespace
