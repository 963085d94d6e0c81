// Rootless builds: tests/integration/bake/data/small.yml built by an unprivileged user (kiln
// runs itself again in a user namespace) gives the same bytes as the kiln_small_image fixture's
// root build: qcow2, OVA, manifest and bill of materials. As root the test builds as the system
// user kiln-rootless, made with a /etc/subuid and /etc/subgid range when missing; as another user
// it builds as itself. The build writes only in the folders it was given, and a user without a
// subordinate range is told the line to add.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "bake/user_namespace.hpp"
#include "harness.hpp"
#include "image_comparison.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

constexpr const char* kBuilder = "kiln-rootless";
constexpr std::uint32_t kRange = 65536;

struct Builder {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::uint32_t first_subuid = 0;
};

// The start of `user`'s first range in /etc/subuid or /etc/subgid.
std::optional<std::uint32_t> first_range(const std::string& file, const std::string& user) {
    const struct passwd* pw = ::getpwnam(user.c_str());
    auto ids = kiln::bake::find_subordinate_ids(read_text(file), user, pw ? pw->pw_uid : -1);
    return ids ? std::optional(ids->start) : std::nullopt;
}

// Past every range /etc/subuid and /etc/subgid already give out.
std::uint32_t free_range_start() {
    return static_cast<std::uint32_t>(
        std::max(kiln::bake::first_free_subordinate_id(read_text("/etc/subuid")),
                 kiln::bake::first_free_subordinate_id(read_text("/etc/subgid"))));
}

std::optional<Builder> user_named(const std::string& name) {
    const struct passwd* pw = ::getpwnam(name.c_str());
    if (!pw) return std::nullopt;
    return Builder{name, pw->pw_uid, pw->pw_gid, 0};
}

// As root: kiln-rootless, made if missing, with a range of its own.
Builder rootless_builder() {
    if (::geteuid() != 0) {
        Builder self{::getpwuid(::geteuid())->pw_name, ::geteuid(), ::getegid(), 0};
        self.first_subuid = first_range("/etc/subuid", self.name).value_or(0);
        return self;
    }
    if (!user_named(kBuilder))
        run_command({"useradd", "--system", "--user-group", "--home-dir", "/nonexistent", "--shell",
                     "/usr/sbin/nologin", kBuilder});
    if (!first_range("/etc/subuid", kBuilder) || !first_range("/etc/subgid", kBuilder)) {
        const std::uint32_t start = free_range_start();
        const std::string range = std::to_string(start) + "-" + std::to_string(start + kRange - 1);
        run_command({"usermod", "--add-subuids", range, "--add-subgids", range, kBuilder});
    }
    auto builder = user_named(kBuilder);
    if (!builder) return {};
    builder->first_subuid = first_range("/etc/subuid", kBuilder).value_or(0);
    return *builder;
}

// argv run as `user` (as root: setpriv) with a clean environment: this one's PATH, the TCG
// settings, HOME.
std::vector<std::string> as_user(const Builder& user, const fs::path& home,
                                 std::vector<std::string> argv) {
    std::vector<std::string> c;
    if (::geteuid() == 0)
        c = {"setpriv", "--reuid=" + std::to_string(user.uid),
             "--regid=" + std::to_string(user.gid), "--clear-groups", "--"};
    c.insert(c.end(), {"env", "-i", "HOME=" + home.string()});
    for (const char* name : {"PATH", "LIBGUESTFS_BACKEND", "LIBGUESTFS_BACKEND_SETTINGS",
                             "KILN_ACCEL", "SOURCE_DATE_EPOCH"})
        if (const char* v = std::getenv(name)) c.push_back(std::string(name) + "=" + v);
    c.insert(c.end(), argv.begin(), argv.end());
    return c;
}

void give_to(const Builder& user, const fs::path& path) {
    if (::geteuid() == 0)
        run_command({"chown", "-R", std::to_string(user.uid) + ":" + std::to_string(user.gid),
                     path.string()});
}

// The shared cache's downloads copied (not linked: the root cache stays root's) into a cache
// folder the builder owns.
fs::path cache_for(const Builder& user, const fs::path& shared, const fs::path& cache) {
    fs::create_directories(cache);
    if (fs::exists(shared / "packages"))
        fs::copy(shared / "packages", cache / "packages", fs::copy_options::recursive);
    give_to(user, cache);
    return cache;
}

bool owned_by_builder(const struct stat& st, const Builder& user) {
    return st.st_uid == user.uid || (user.first_subuid && st.st_uid >= user.first_subuid &&
                                     st.st_uid < user.first_subuid + kRange);
}

// Entries the builder (or a uid of its range) made since `since` at the top of the shared
// temporary folders, the scratch folder aside.
std::vector<std::string> strays(const Builder& user, std::time_t since, const fs::path& scratch) {
    std::vector<std::string> out;
    for (const char* shared : {"/tmp", "/var/tmp", "/dev/shm"}) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(shared, ec)) {
            struct stat st {};
            if (entry.path() == scratch || ::lstat(entry.path().c_str(), &st) != 0) continue;
            if (owned_by_builder(st, user) && st.st_ctime >= since)
                out.push_back(entry.path().string());
        }
    }
    return out;
}

// Outside the cache, nothing the build left may belong to a uid of the range (a tree's owner).
std::vector<std::string> foreign_owned_outside_cache(const Builder& user, const fs::path& root,
                                                     const fs::path& cache) {
    std::vector<std::string> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        if (it->path() == cache) {
            it.disable_recursion_pending();
            continue;
        }
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) == 0 && st.st_uid != user.uid &&
            owned_by_builder(st, user))
            out.push_back(it->path().string() + " (uid " + std::to_string(st.st_uid) + ")");
    }
    return out;
}

// The user can make a user namespace here (a container's seccomp filter may forbid it).
bool user_namespaces_work(const Builder& user, const fs::path& home) {
    return run_command(as_user(user, home, {"unshare", "--map-root-user", "true"})).exit_code == 0;
}

TEST(RootlessBuild, AnUnprivilegedUserBuildsTheSameBytesAsRoot) {
    Scratch scratch("rootless");
    const fs::path first = fs::path(KILN_TEST_IMAGE_DIR) / "small";
    ASSERT_TRUE(fs::exists(first / "kiln-small.qcow2")) << "the kiln_small_image fixture's build";
    const Builder user = rootless_builder();
    ASSERT_NE(user.uid, 0u) << "no unprivileged user to build as";
    ASSERT_NE(user.first_subuid, 0u) << user.name << " has no range in /etc/subuid";
    give_to(user, scratch.path);
    const fs::path home = scratch.path / "home", out = scratch.path / "out",
                   work = scratch.path / "work";
    for (const auto& folder : {home, work}) fs::create_directories(folder);
    give_to(user, scratch.path);
    if (!user_namespaces_work(user, home))
        GTEST_SKIP() << user.name << " cannot make a user namespace on this host";
    const fs::path cache =
        cache_for(user, test_cache(scratch.path / "none"), scratch.path / "cache");

    const std::time_t start = std::time(nullptr);
    // The very profile path the fixture built: the manifest records it.
    auto build = run_command(
        as_user(user, home,
                {kiln_binary(), "build", KILN_SMALL_PROFILE, "-o", out.string(), "--cache-dir",
                 cache.string(), "--work-dir", work.string(), "--accel", "tcg"}));
    std::cout << "rootless build as " << user.name << ": " << build.seconds << " s\n";
    ASSERT_EQ(build.exit_code, 0) << build.out;
    auto report = nlohmann::json::parse(read_text(out / "kiln-small.build.json"));
    EXPECT_EQ(report["cache"]["hit"], false) << "the rootless build must build its own layer";

    for (const auto& difference : small_output_differences(first, out, scratch.path))
        ADD_FAILURE() << difference;
    for (const auto& name : kSmallOutputs) {
        struct stat st {};
        ASSERT_EQ(::stat((out / name).c_str(), &st), 0) << name;
        EXPECT_EQ(st.st_uid, user.uid) << name << " belongs to the user who built it";
    }
    EXPECT_TRUE(fs::is_empty(work)) << "the scratch folder is removed";
    for (const auto& path : foreign_owned_outside_cache(user, scratch.path, cache))
        ADD_FAILURE() << "owned by a uid of " << user.name << "'s range: " << path;
    for (const auto& path : strays(user, start, scratch.path))
        ADD_FAILURE() << "written outside the folders the build was given: " << path;
}

// kiln-nosubid: a system user with no subordinate range. Its build stops before any work, with
// the line to add.
TEST(RootlessBuild, AUserWithoutASubordinateRangeIsToldWhatToAdd) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a user without a range";
    const std::string name = "kiln-nosubid";
    if (!user_named(name))
        run_command({"useradd", "--system", "--user-group", "--home-dir", "/nonexistent", "--shell",
                     "/usr/sbin/nologin", name});
    ASSERT_FALSE(first_range("/etc/subuid", name)) << name << " must have no range";
    const Builder user = *user_named(name);
    Scratch scratch("rootless-nosubid");
    give_to(user, scratch.path);
    auto build = run_command(as_user(
        user, scratch.path,
        {kiln_binary(), "build", KILN_SMALL_PROFILE, "-o", (scratch.path / "out").string()}));
    EXPECT_EQ(build.exit_code, 3) << build.out;
    EXPECT_NE(build.out.find("/etc/subuid"), std::string::npos) << build.out;
    EXPECT_NE(build.out.find("'" + name + ":"), std::string::npos)
        << "the line to add names the user:\n"
        << build.out;
    EXPECT_FALSE(fs::exists(scratch.path / "out")) << "nothing is built";
}

}  // namespace
