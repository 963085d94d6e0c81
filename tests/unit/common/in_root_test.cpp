// kiln::open_in_root with both resolutions: openat2's RESOLVE_IN_ROOT and the walk that CentOS 7's
// 3.10 kernel gets. Whatever a tree holds, what opens is inside the tree.
#include "kiln/in_root.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "missing_syscall.hpp"

namespace fs = std::filesystem;
using kiln::InRootResolution;
using kiln::open_in_root;
using kiln::UniqueFd;

namespace {

// A tree "root" beside a folder "outside" that no resolution inside the tree may reach.
class InRoot : public ::testing::TestWithParam<InRootResolution> {
protected:
    void SetUp() override {
        kiln::force_in_root_resolution_for_tests(GetParam());
        std::string pattern = (fs::temp_directory_path() / "kiln-in-root.XXXXXX").string();
        base_ = ::mkdtemp(pattern.data());
        root_ = base_ / "root";
        outside_ = base_ / "outside";
        fs::create_directories(root_ / "etc");
        fs::create_directories(outside_);
        write(outside_ / "secret", "outside");
        write(root_ / "etc/passwd", "inside");
        root_fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        ASSERT_TRUE(root_fd_);
    }
    void TearDown() override {
        kiln::force_in_root_resolution_for_tests(InRootResolution::openat2);
        fs::remove_all(base_);
    }

    static void write(const fs::path& path, const std::string& text) {
        std::ofstream(path, std::ios::binary) << text;
    }
    static std::string content(int fd) {
        std::string text;
        char buffer[256];
        for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
            text.append(buffer, static_cast<std::size_t>(n));
        return text;
    }
    // The content of `path` opened inside the root; "(errno N)" when it does not open.
    std::string read(const std::string& path) {
        UniqueFd fd = open_in_root(root_fd_.get(), path, O_RDONLY);
        if (!fd) return "(errno " + std::to_string(errno) + ")";
        return content(fd.get());
    }
    void link(const std::string& target, const fs::path& at) { fs::create_symlink(target, at); }

    fs::path base_, root_, outside_;
    UniqueFd root_fd_;
};

std::string errno_text(int error) {
    return "(errno " + std::to_string(error) + ")";
}

}  // namespace

TEST_P(InRoot, PlainPathsAndTheRootItself) {
    EXPECT_EQ(read("/etc/passwd"), "inside");
    EXPECT_EQ(read("etc/passwd"), "inside");
    EXPECT_EQ(read("//etc/./passwd"), "inside");
    EXPECT_EQ(read("/etc/missing"), errno_text(ENOENT));
    EXPECT_EQ(read("/etc/passwd/x"), errno_text(ENOTDIR));
    UniqueFd top = open_in_root(root_fd_.get(), "/", O_PATH | O_DIRECTORY);
    ASSERT_TRUE(top);
    struct stat a {
    }, b{};
    ASSERT_EQ(::fstat(top.get(), &a), 0);
    ASSERT_EQ(::stat(root_.c_str(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST_P(InRoot, DotDotStopsAtTheRoot) {
    EXPECT_EQ(read("/../outside/secret"), errno_text(ENOENT));
    EXPECT_EQ(read("/../../../etc/passwd"), "inside");
    EXPECT_EQ(read("/etc/../../root/etc/passwd"), errno_text(ENOENT));
}

TEST_P(InRoot, AnAbsoluteSymlinkStartsAgainAtTheRoot) {
    link(outside_.string(), root_ / "escape");  // the host path of "outside"
    EXPECT_EQ(read("/escape/secret"), errno_text(ENOENT));
    link("/etc", root_ / "etc-link");
    EXPECT_EQ(read("/etc-link/passwd"), "inside");
    link("/etc/passwd", root_ / "etc/alias");
    EXPECT_EQ(read("/etc/alias"), "inside");
}

TEST_P(InRoot, ARelativeSymlinkClimbsNoHigherThanTheRoot) {
    link("../../outside", root_ / "etc/up");
    EXPECT_EQ(read("/etc/up/secret"), errno_text(ENOENT));
    link("../../../etc", root_ / "etc/around");
    EXPECT_EQ(read("/etc/around/passwd"), "inside");
}

TEST_P(InRoot, DotDotAfterASymlinkIsThatOfItsTarget) {
    fs::create_directories(root_ / "a/b");
    write(root_ / "a/file", "a's");
    link("/a/b", root_ / "to-b");
    EXPECT_EQ(read("/to-b/../file"), "a's");
}

TEST_P(InRoot, LoopsEndInEloop) {
    link("/loop-b", root_ / "loop-a");
    link("/loop-a", root_ / "loop-b");
    EXPECT_EQ(read("/loop-a"), errno_text(ELOOP));
    link("/self/x", root_ / "self");
    EXPECT_EQ(read("/self"), errno_text(ELOOP));
}

TEST_P(InRoot, CreatingThroughADanglingSymlinkCreatesInsideOnly) {
    link("/created", root_ / "etc/new");
    UniqueFd fd = open_in_root(root_fd_.get(), "/etc/new", O_WRONLY | O_CREAT, 0600);
    ASSERT_TRUE(fd) << errno;
    EXPECT_TRUE(fs::exists(root_ / "created"));
    link((outside_ / "made").string(), root_ / "etc/out");
    UniqueFd out = open_in_root(root_fd_.get(), "/etc/out", O_WRONLY | O_CREAT, 0600);
    EXPECT_FALSE(out) << "its folder, taken inside the root, does not exist";
    EXPECT_FALSE(fs::exists(outside_ / "made"));
}

TEST_P(InRoot, NoFollowOnTheLastNameRefusesASymlink) {
    link("/etc", root_ / "etc-link");
    UniqueFd fd = open_in_root(root_fd_.get(), "/etc-link", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    EXPECT_FALSE(fd);
    UniqueFd through = open_in_root(root_fd_.get(), "/etc-link/passwd", O_RDONLY | O_NOFOLLOW);
    EXPECT_TRUE(through) << "only the last name is not followed";
}

INSTANTIATE_TEST_SUITE_P(Resolutions, InRoot,
                         ::testing::Values(InRootResolution::openat2, InRootResolution::walk),
                         [](const auto& info) {
                             return info.param == InRootResolution::openat2 ? "Openat2" : "Walk";
                         });

// Nothing forced: where openat2 is missing, resolution walks by itself and still stays inside.
TEST(InRootFallback, WithoutOpenat2TheWalkTakesOverAndStaysInside) {
    std::string pattern = (fs::temp_directory_path() / "kiln-in-root.XXXXXX").string();
    fs::path base = ::mkdtemp(pattern.data());
    fs::create_directories(base / "root/etc");
    fs::create_directories(base / "outside");
    std::ofstream(base / "root/etc/passwd") << "inside";
    std::ofstream(base / "outside/passwd") << "outside";
    fs::create_symlink((base / "outside").string(), base / "root/escape");
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (!kiln_test::make_syscall_missing(SYS_openat2)) ::_exit(2);
        UniqueFd root(::open((base / "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        UniqueFd escaped = open_in_root(root.get(), "/escape/passwd", O_RDONLY);
        if (escaped || errno != ENOENT) ::_exit(3);
        UniqueFd inside = open_in_root(root.get(), "/etc/passwd", O_RDONLY);
        ::_exit(inside ? 0 : 4);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    fs::remove_all(base);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "2: seccomp did not hide openat2; 3: /escape/passwd did not fail with ENOENT (no "
           "fallback, or it led outside); 4: /etc/passwd did not open";
}
