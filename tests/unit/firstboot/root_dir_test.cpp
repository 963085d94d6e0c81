// Everything kiln-firstboot reads and writes under its root goes through RootDir: whatever the
// root holds (symlinks out of it, "..", FIFOs), nothing outside the root is read or written. Each
// case runs with openat2 and with the walk CentOS 7's kernel gets. RunMode decides by identity
// whether the root is this system's.
#include "core/root_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/commit.hpp"
#include "apply/stamp.hpp"
#include "kiln/error.hpp"
#include "kiln/in_root.hpp"
#include "report/status.hpp"
#include "run_mode.hpp"
#include "test_support.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;
using kiln::InRootResolution;

namespace {

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    ::lstat(path.c_str(), &st);
    return st.st_mode & 07777;
}

std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const kiln::Error& e) {
        return e.what();
    }
    return "(no error)";
}

// A root beside a folder "outside" (with a file in it) that nothing may touch.
class InTheRoot : public ::testing::TestWithParam<InRootResolution> {
protected:
    InTheRoot() {
        kiln::force_in_root_resolution_for_tests(GetParam());
        fs::create_directories(root_path);
        write_file(outside / "file", "outside");
        fs::permissions(outside, fs::perms(0755));
    }
    ~InTheRoot() override { kiln::force_in_root_resolution_for_tests(InRootResolution::openat2); }

    void link(const fs::path& target, const std::string& at) {
        fs::create_directories((root_path / at).parent_path());
        fs::create_symlink(target, root_path / at);
    }
    std::map<std::string, std::string> outside_now() const { return snapshot(outside); }

    TempDir dir;
    fs::path root_path = dir / "root";
    fs::path outside = dir / "outside";
    std::map<std::string, std::string> outside_before = {{"file", "outside"}};
};

}  // namespace

TEST_P(InTheRoot, ASymlinkOutOfTheRootIsAPathInsideIt) {
    link(outside, "etc");
    RootDir root(root_path);
    EXPECT_FALSE(root.read("/etc/file", 1024, "a test file"));
    EXPECT_FALSE(root.exists("/etc/file"));
    EXPECT_TRUE(root.list("/etc").empty());
    EXPECT_THROW(root.write_atomically("/etc/hostname", "x\n", 0644), kiln::Error);
    EXPECT_EQ(outside_now(), outside_before);
    EXPECT_FALSE(fs::exists(dir / "hostname"));
}

TEST_P(InTheRoot, AbsoluteSymlinksAndDotDotResolveInsideTheRoot) {
    RootDir root(root_path);
    write_file(root_path / "real-etc/passwd", "inside\n");
    link("/real-etc", "etc");
    EXPECT_EQ(root.read("/etc/passwd", 1024, "a test file"), "inside\n");
    root.write_atomically("/etc/hostname", "pg-1\n", 0644);
    EXPECT_EQ(read_file(root_path / "real-etc/hostname"), "pg-1\n");
    root.write_atomically("/../escape/.ssh/authorized_keys", "key\n", 0600);
    EXPECT_FALSE(fs::exists(dir / "escape"));
    EXPECT_EQ(read_file(root_path / "escape/.ssh/authorized_keys"), "key\n");
}

TEST_P(InTheRoot, WritingReplacesASymlinkAndNeverWritesThroughIt) {
    RootDir root(root_path);
    write_file(root_path / "etc/kept", "kept\n");
    link("/etc/kept", "etc/hostname");
    root.write_atomically("/etc/hostname", "pg-1\n", 0644);
    EXPECT_FALSE(fs::is_symlink(root_path / "etc/hostname"));
    EXPECT_EQ(read_file(root_path / "etc/hostname"), "pg-1\n");
    EXPECT_EQ(read_file(root_path / "etc/kept"), "kept\n");
    link(outside / "file", "etc/gone");
    root.remove("/etc/gone");
    EXPECT_FALSE(fs::exists(fs::symlink_status(root_path / "etc/gone")));
    EXPECT_EQ(outside_now(), outside_before) << "the link went, not its target";
}

TEST_P(InTheRoot, AFolderThatGetsAModeIsNeverASymlink) {
    RootDir root(root_path);
    link(outside, "home/kiln/.ssh");
    std::string error =
        message_of([&] { root.make_directories("/home/kiln/.ssh", RootDir::LastLink::refuse); });
    EXPECT_NE(error.find("/home/kiln/.ssh is a symbolic link"), std::string::npos) << error;
    EXPECT_EQ(mode_of(outside), 0755u);
    fs::remove(root_path / "home/kiln/.ssh");
    link("/elsewhere", "home/kiln/.ssh");
    fs::create_directories(root_path / "elsewhere");
    EXPECT_THROW(root.make_directories("/home/kiln/.ssh", RootDir::LastLink::refuse), kiln::Error);
    EXPECT_NO_THROW(root.make_directories("/home/kiln/.ssh"))
        << "followed (inside the root) where that is asked for";
}

TEST_P(InTheRoot, CommitRefusesASshSymlinkBeforeWritingAnything) {
    RootDir root(root_path);
    fs::create_directories(root_path / "root/.ssh");
    fs::permissions(root_path / "root/.ssh", fs::perms(0755));
    for (fs::path target : {fs::path(outside), fs::path("../../root/.ssh")}) {
        fs::remove(root_path / "home/kiln/.ssh");
        link(target, "home/kiln/.ssh");
        Rendering r;
        r.files.push_back({"/etc/hostname", "pg-1\n"});
        r.dirs.push_back({"/home/kiln/.ssh", 0700, "kiln", ""});
        r.files.push_back({"/home/kiln/.ssh/authorized_keys", kEd25519 + "\n", 0600, "kiln", ""});
        auto before = snapshot(root_path);
        std::string error = message_of([&] { commit_rendering(r, {}, root, false); });
        EXPECT_NE(error.find("/home/kiln/.ssh is a symbolic link"), std::string::npos) << error;
        EXPECT_EQ(snapshot(root_path), before) << target;
        EXPECT_EQ(outside_now(), outside_before);
        EXPECT_EQ(mode_of(outside), 0755u);
        EXPECT_EQ(mode_of(root_path / "root/.ssh"), 0755u);
    }
}

TEST_P(InTheRoot, StampMarkerAndStatusStayInside) {
    link(outside, "var/lib/kiln");
    link(outside, "run");
    RootDir root(root_path);
    EXPECT_THROW(write_stamp(root, {"i-1", "abc", "2026-01-01T00:00:00Z", std::nullopt}),
                 kiln::Error);
    EXPECT_THROW(mark_configured(root), kiln::Error);
    EXPECT_THROW(write_status_file(root, Status{}), kiln::Error);
    clear_configured(root);
    EXPECT_FALSE(read_stamp(root));
    EXPECT_EQ(outside_now(), outside_before);
}

TEST_P(InTheRoot, ReadsAreOfRegularFilesWithinTheirLimit) {
    RootDir root(root_path);
    fs::create_directories(root_path / "etc");
    ASSERT_EQ(::mkfifo((root_path / "etc/fifo").c_str(), 0600), 0);
    write_file(root_path / "etc/big", std::string(2000, 'x'));
    EXPECT_EQ(message_of([&] { root.read("/etc/fifo", 1024, "a test file"); }),
              (root_path / "etc/fifo").string() + " is a FIFO, not a regular file");
    EXPECT_EQ(message_of([&] { root.read("/etc", 1024, "a test file"); }),
              (root_path / "etc").string() + " is a folder, not a regular file");
    EXPECT_EQ(message_of([&] { root.read("/etc/big", 1024, "a test file"); }),
              (root_path / "etc/big").string() +
                  " is larger than 1024 bytes (the limit for a test file)");
    EXPECT_EQ(root.read("/etc/big", 2000, "a test file")->size(), 2000u);
    EXPECT_FALSE(root.read("/etc/none", 1024, "a test file"));
}

TEST_P(InTheRoot, ToolsThatTakeTheRootAsAPrefixMustSeeTheSameFolder) {
    RootDir root(root_path);
    EXPECT_NO_THROW(root.check_tools_stay_inside("/etc/ssh")) << "neither exists";
    fs::create_directories(root_path / "etc/ssh");
    EXPECT_NO_THROW(root.check_tools_stay_inside("/etc/ssh"));
    fs::remove_all(root_path / "etc");
    fs::create_directories(outside / "ssh");
    link(outside, "etc");
    std::string error = message_of([&] { root.check_tools_stay_inside("/etc/ssh"); });
    EXPECT_NE(error.find("leads out of the root"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Resolutions, InTheRoot,
                         ::testing::Values(InRootResolution::openat2, InRootResolution::walk),
                         [](const auto& info) {
                             return info.param == InRootResolution::openat2 ? "Openat2" : "Walk";
                         });

// Item 1: "/" by identity, however it is spelled; a tree is not.
TEST(RunMode, TheSystemRootIsKnownByIdentityNotBySpelling) {
    TempDir dir;
    fs::create_symlink("/", dir / "slash");
    for (fs::path spelling : {fs::path("/"), fs::path("/."), fs::path("/tmp/.."), fs::path("//"),
                              dir / "slash", dir / "slash/."}) {
        RunOptions options;
        options.root = spelling;
        options.render_only = true;
        RunMode mode(options);
        EXPECT_TRUE(mode.on_this_system()) << spelling;
        EXPECT_TRUE(mode.usage_problem()) << spelling;
    }
    RunOptions tree;
    tree.root = dir.path();
    tree.render_only = true;
    EXPECT_FALSE(RunMode(tree).on_this_system());
    EXPECT_FALSE(RunMode(tree).usage_problem());
}

// Item 2: another root is configured only over the bus --bus names.
TEST(RunMode, AnotherRootNeedsItsOwnBus) {
    TempDir dir;
    RunOptions options;
    options.root = dir.path();
    RunMode without_bus(options);
    EXPECT_FALSE(without_bus.may_use_system_bus());
    EXPECT_FALSE(without_bus.prepares_data_disk());
    ASSERT_TRUE(without_bus.usage_problem());
    EXPECT_NE(without_bus.usage_problem()->find("give --bus ADDRESS"), std::string::npos);
    options.bus_address = "unix:path=" + (dir / "bus").string();
    EXPECT_FALSE(RunMode(options).usage_problem());
    EXPECT_FALSE(RunMode(options).may_use_system_bus()) << "only the bus it names";
    options.root = "/";
    options.bus_address.reset();
    EXPECT_TRUE(RunMode(options).may_use_system_bus());
    EXPECT_FALSE(RunMode(options).usage_problem());
}
