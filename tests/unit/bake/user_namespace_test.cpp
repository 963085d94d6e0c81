// Rootless builds: the subordinate ranges read from /etc/subuid and /etc/subgid, the unshare
// command kiln runs itself again with, and the errors that say what the host lacks.
#include "bake/user_namespace.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kiln/error.hpp"

using namespace kiln::bake;
using ::testing::HasSubstr;

namespace {

const std::string kSubuid =
    "# comment\n"
    "alice:100000:65536\n"
    "1001:165536:65536\n"
    "alice:300000:65536\n"
    "bob:231072:1000\n";

RootlessHost host_of(const std::string& user, std::uint32_t uid) {
    return {user, uid, kSubuid, kSubuid, true, true};
}

std::string error_of(const RootlessHost& host) {
    try {
        user_namespace_command(host, {"/usr/bin/kiln", "build", "p.yml"});
    } catch (const kiln::Error& e) {
        EXPECT_EQ(e.code(), kiln::ExitCode::failed);
        return e.what();
    }
    return "";
}

TEST(SubordinateIds, TheFirstRangeOfTheUserByNameOrUid) {
    auto alice = find_subordinate_ids(kSubuid, "alice", 1000);
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->start, 100000u);
    EXPECT_EQ(alice->count, 65536u);
    auto by_uid = find_subordinate_ids(kSubuid, "carol", 1001);
    ASSERT_TRUE(by_uid);
    EXPECT_EQ(by_uid->start, 165536u);
    EXPECT_FALSE(find_subordinate_ids(kSubuid, "dave", 1002));
    EXPECT_FALSE(find_subordinate_ids("alice:x:65536\nalice:1\n", "alice", 1000));
}

TEST(UserNamespaceCommand, MapsRootToTheUserAndOneToTheRange) {
    auto c = user_namespace_command(host_of("alice", 1000), {"/usr/bin/kiln", "build", "p.yml"});
    EXPECT_THAT(c, ::testing::ElementsAre(
                       "unshare", "--map-root-user", "--map-users=100000,1,65536",
                       "--map-groups=100000,1,65536", "--mount", "--pid", "--fork", "--kill-child",
                       "--mount-proc", "--", "/usr/bin/kiln", "build", "p.yml"));
}

TEST(UserNamespaceCommand, WithoutNewuidmapNamesThePackage) {
    auto host = host_of("alice", 1000);
    host.has_newgidmap = false;
    EXPECT_THAT(error_of(host), HasSubstr("install the package uidmap"));
}

TEST(UserNamespaceCommand, WithoutARangeGivesTheLineToAdd) {
    // After every range given out (alice's 300000-365535).
    EXPECT_THAT(error_of(host_of("dave", 1002)),
                HasSubstr("has no range for this user: add the line 'dave:365536:65536' to "
                          "/etc/subuid and /etc/subgid"));
    auto no_file = host_of("dave", 1002);
    no_file.subuid_text.reset();
    EXPECT_THAT(error_of(no_file), HasSubstr("/etc/subuid, which does not exist: add the line "
                                             "'dave:100000:65536'"));
    auto no_gids = host_of("alice", 1000);
    no_gids.subgid_text = "bob:100000:65536\n";
    EXPECT_THAT(error_of(no_gids), HasSubstr("subordinate gids for alice in /etc/subgid"));
}

TEST(UserNamespaceCommand, ARangeTooSmallIsNamed) {
    EXPECT_THAT(error_of(host_of("bob", 1003)),
                HasSubstr("the first range of bob in /etc/subuid has 1000"));
}

TEST(PathWithSbin, AddsOnlyTheMissingFolders) {
    EXPECT_EQ(path_with_sbin("/usr/local/bin:/usr/bin:/bin"),
              "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
    EXPECT_EQ(path_with_sbin("/usr/sbin:/usr/bin:/sbin:/usr/local/sbin"),
              "/usr/sbin:/usr/bin:/sbin:/usr/local/sbin");
    EXPECT_EQ(path_with_sbin(""), "/usr/local/sbin:/usr/sbin:/sbin");
}

}  // namespace
