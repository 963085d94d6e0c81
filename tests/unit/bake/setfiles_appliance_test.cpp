// The appliance folder a relabelling build hands libguestfs: the host's supermin.d, linked, plus
// kiln's package list with policycoreutils, kept in step with the host's and never in a folder
// someone else could change.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bake/guest/appliance.hpp"

namespace {

namespace fs = std::filesystem;
using kiln::bake::prepare_setfiles_appliance;

class SetfilesAppliance : public ::testing::Test {
protected:
    fs::path dir = fs::temp_directory_path() / ("kiln-setfiles-test-" + std::to_string(getpid()));
    fs::path system = dir / "system";
    fs::path base = dir / "kiln";

    void SetUp() override {
        if (!fs::exists("/usr/sbin/setfiles") && !fs::exists("/sbin/setfiles"))
            GTEST_SKIP() << "no policycoreutils on this host (.ci/install-deps installs it)";
        fs::create_directories(system / "supermin.d");
        for (const char* name : {"packages", "base.tar.gz", "packages-xfs"})
            std::ofstream(system / "supermin.d" / name) << name;
    }
    void TearDown() override { fs::remove_all(dir); }
};

TEST_F(SetfilesAppliance, LinksTheHostsInputsAndAddsPolicycoreutils) {
    auto made = prepare_setfiles_appliance(system, base);
    EXPECT_EQ(made.path, base);
    EXPECT_TRUE(fs::is_directory(made.cache));
    for (const char* name : {"packages", "base.tar.gz", "packages-xfs"}) {
        ASSERT_TRUE(fs::is_symlink(base / "supermin.d" / name)) << name;
        EXPECT_EQ(fs::read_symlink(base / "supermin.d" / name), system / "supermin.d" / name);
    }
    std::ifstream list(base / "supermin.d" / "packages-kiln-setfiles");
    std::string packages((std::istreambuf_iterator<char>(list)), {});
    EXPECT_EQ(packages, "policycoreutils\n");
    struct stat st {};
    ASSERT_EQ(::stat(base.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(SetfilesAppliance, FollowsTheHostWhenItsInputsChange) {
    prepare_setfiles_appliance(system, base);
    fs::remove(system / "supermin.d" / "packages-xfs");
    std::ofstream(system / "supermin.d" / "packages-zfs") << "zfs";
    prepare_setfiles_appliance(system, base);
    EXPECT_FALSE(fs::is_symlink(base / "supermin.d" / "packages-xfs"));
    EXPECT_TRUE(fs::is_symlink(base / "supermin.d" / "packages-zfs"));
    EXPECT_TRUE(fs::exists(base / "supermin.d" / "packages-kiln-setfiles"));
}

TEST_F(SetfilesAppliance, RefusesAFolderOthersMayChange) {
    fs::create_directories(base);
    fs::permissions(base, fs::perms::owner_all | fs::perms::group_all);
    EXPECT_THROW(prepare_setfiles_appliance(system, base), kiln::Error);
    fs::remove(base);
    fs::create_directory_symlink(system, base);
    EXPECT_THROW(prepare_setfiles_appliance(system, base), kiln::Error);
    EXPECT_FALSE(fs::exists(system / "supermin.d" / "packages-kiln-setfiles"));
}

}  // namespace
