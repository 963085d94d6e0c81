#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "apply/commit.hpp"
#include "apply/stamp.hpp"
#include "core/accounts.hpp"
#include "core/metadata.hpp"
#include "kiln/error.hpp"
#include "report/log.hpp"
#include "report/status.hpp"
#include "test_support.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;

namespace {

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    lstat(p.c_str(), &st);
    return st.st_mode & 07777;
}

kiln::Accounts test_accounts() {
    return kiln::Accounts::parse(
        "root:x:0:0:root:/root:/bin/bash\n# "
        "comment\n+nis\npostgres:x:107:114::/var/lib/postgresql:/bin/sh\n"
        "broken-line\nkiln:x:1000:1000:Kiln Admin:/home/kiln:/bin/bash\n",
        "root:x:0:\npostgres:x:114:\nkiln:x:1000:\nssl-cert:x:110:postgres\n");
}

}  // namespace

TEST(Accounts, ReadFromPasswdAndGroupWithoutNss) {
    kiln::Accounts a = test_accounts();
    ASSERT_TRUE(a.user("postgres"));
    ASSERT_TRUE(a.user("kiln"));
    ASSERT_TRUE(a.group("ssl-cert"));
    EXPECT_EQ(a.user("postgres")->uid, 107u);
    EXPECT_EQ(a.user("postgres")->gid, 114u);
    EXPECT_EQ(a.user("kiln")->home, "/home/kiln");
    EXPECT_EQ(a.group("ssl-cert")->gid, 110u);
    EXPECT_FALSE(a.user("broken-line"));
    EXPECT_FALSE(a.user("+nis"));
    EXPECT_FALSE(a.user("nobody"));
    TempDir root;
    write_file(root / "etc/passwd", "alice:x:2001:2002::/home/alice:/bin/sh\n");
    auto alice = load_accounts(RootDir(root.path())).user("alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->uid, 2001u);
}

TEST(Commit, WritesModesOwnersAndSymlinks) {
    TempDir root;
    Rendering r;
    r.files.push_back({"/etc/haproxy/haproxy.cfg", "global\n"});
    RenderedFile secret{"/etc/patroni/config.yml", "password: x\n", 0644, "postgres", "postgres"};
    secret.secret = true;
    r.files.push_back(secret);
    RenderedFile link{"/etc/localtime", ""};
    link.symlink = "/usr/share/zoneinfo/UTC";
    r.files.push_back(link);
    r.dirs.push_back({"/home/kiln/.ssh", 0700, "kiln", ""});
    r.files.push_back({"/home/kiln/.ssh/authorized_keys", kEd25519 + "\n", 0600, "kiln", ""});
    bool as_root = geteuid() == 0;
    commit_rendering(r, test_accounts(), RootDir(root.path()), as_root);
    EXPECT_EQ(read_file(root / "etc/haproxy/haproxy.cfg"), "global\n");
    EXPECT_EQ(mode_of(root / "etc/haproxy/haproxy.cfg"), 0644u);
    EXPECT_EQ(mode_of(root / "etc/patroni/config.yml"), 0600u)
        << "secrets are 0600 whatever the mode says";
    EXPECT_EQ(mode_of(root / "home/kiln/.ssh"), 0700u);
    EXPECT_EQ(fs::read_symlink(root / "etc/localtime"), "/usr/share/zoneinfo/UTC");
    if (as_root) {
        struct stat st {};
        stat((root / "etc/patroni/config.yml").c_str(), &st);
        EXPECT_EQ(st.st_uid, 107u);
        EXPECT_EQ(st.st_gid, 114u);
        stat((root / "home/kiln/.ssh/authorized_keys").c_str(), &st);
        EXPECT_EQ(st.st_uid, 1000u);
        EXPECT_EQ(st.st_gid, 1000u) << "empty group: the owner's primary group";
    }
    // No temporary files left beside the targets.
    for (const auto& [path, content] : snapshot(root.path()))
        EXPECT_EQ(path.find(".tmp-"), std::string::npos) << path;
    // Committing again converges to the same tree.
    auto once = snapshot(root.path());
    commit_rendering(r, test_accounts(), RootDir(root.path()), as_root);
    EXPECT_EQ(snapshot(root.path()), once);
}

TEST(Commit, UnknownOwnerWritesNothing) {
    TempDir root;
    Rendering r;
    r.files.push_back({"/etc/a.conf", "a\n"});
    r.files.push_back({"/etc/b.conf", "b\n", 0600, "etcd", "etcd"});
    try {
        commit_rendering(r, test_accounts(), RootDir(root.path()), true);
        FAIL() << "no error for an unknown user";
    } catch (const kiln::Error& e) {
        EXPECT_NE(std::string(e.what()).find("no user 'etcd' in /etc/passwd"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(snapshot(root.path()).empty());
}

TEST(Commit, AFailingFileLeavesTheOthersUnapplied) {
    TempDir root;
    write_file(root / "etc/a.conf", "old\n");
    write_file(root / "blocker", "a file where a directory must be\n");
    Rendering r;
    r.files.push_back({"/etc/a.conf", "new\n"});
    r.files.push_back({"/blocker/b.conf", "b\n"});
    auto before = snapshot(root.path());
    EXPECT_THROW(commit_rendering(r, test_accounts(), RootDir(root.path()), false), kiln::Error);
    EXPECT_EQ(snapshot(root.path()), before) << "first file not renamed, no temporaries left";
}

TEST(Stamp, RoundTripAndConfiguredMarker) {
    TempDir root;
    EXPECT_FALSE(read_stamp(RootDir(root.path())));
    write_stamp(RootDir(root.path()), {"i-1", "abc", "2026-01-01T00:00:00Z", std::nullopt});
    auto stamp = read_stamp(RootDir(root.path()));
    ASSERT_TRUE(stamp);
    EXPECT_EQ(stamp->instance_id, "i-1");
    EXPECT_FALSE(stamp->member);
    EXPECT_EQ(stamp->metadata_digest, "abc");
    mark_configured(RootDir(root.path()));
    EXPECT_TRUE(fs::exists(root / "var/lib/kiln/configured"));
    clear_configured(RootDir(root.path()));
    EXPECT_FALSE(fs::exists(root / "var/lib/kiln/configured"));
    write_file(root / "var/lib/kiln/stamp.json", "{not json");
    EXPECT_FALSE(read_stamp(RootDir(root.path()))) << "a broken stamp means: configure again";
}

// Later boots (whose metadata may have lost its secrets to scrubbing) learn from the stamp who the
// node is in its cluster: the data disk's owner and the DCS membership depend on it.
TEST(Stamp, KeepsTheMemberIdentityWithoutSecrets) {
    TempDir root;
    MemberIdentity member{"pg-ha",
                          "pg2",
                          "etcd",
                          "10.0.0.12",
                          {{"pg1", "10.0.0.11"}, {"pg2", "10.0.0.12"}, {"pg3", "10.0.0.13"}}};
    write_stamp(RootDir(root.path()), {"i-2", "def", "2026-01-01T00:00:00Z", member});
    auto stamp = read_stamp(RootDir(root.path()));
    ASSERT_TRUE(stamp);
    ASSERT_TRUE(stamp->member);
    EXPECT_EQ(stamp->member->cluster, "pg-ha");
    EXPECT_EQ(stamp->member->name, "pg2");
    EXPECT_EQ(stamp->member->address, "10.0.0.12");
    ASSERT_EQ(stamp->member->peers.size(), 3u);
    EXPECT_EQ(stamp->member->peers[2].name, "pg3");
    EXPECT_EQ(stamp->member->peers[2].address, "10.0.0.13");
}

TEST(Status, AQuorumWaitIsWaitingNotAnError) {
    TempDir root;
    Status s;
    s.waiting = true;
    s.stage = "start";
    s.message = "waiting for quorum (1 of 3 members): etcd.service starts when a majority runs";
    EXPECT_EQ(guestinfo_status(s),
              "waiting: waiting for quorum (1 of 3 members): etcd.service starts when a majority "
              "runs");
    write_status_file(RootDir(root.path()), s);
    auto json = nlohmann::json::parse(read_file(root.path() / "run/kiln/status.json"));
    EXPECT_EQ(json["status"], "waiting");
}

TEST(Status, JsonFileAndGuestinfoLine) {
    TempDir root;
    Status s;
    s.ok = false;
    s.stage = "validate";
    s.message = "2 problem(s)\nsecond line";
    s.instance_id = "i-9";
    s.report.error(kiln::Location{"guestinfo.kiln.priority"},
                   "'priority' from guestinfo: '0' is not an integer");
    write_status_file(RootDir(root.path()), s);
    auto json = nlohmann::json::parse(read_file(root / "run/kiln/status.json"));
    EXPECT_EQ(json["status"], "error");
    EXPECT_EQ(json["stage"], "validate");
    EXPECT_EQ(json["diagnostics"]["errors"], 1);
    EXPECT_EQ(json["diagnostics"]["diagnostics"][0]["file"], "guestinfo.kiln.priority");
    EXPECT_EQ(mode_of(root / "run/kiln/status.json"), 0644u);
    EXPECT_EQ(guestinfo_status(s), "error: validate: 2 problem(s) second line");
    s.ok = true;
    EXPECT_EQ(guestinfo_status(s), "ok");
}

TEST(Log, SecretsAreHiddenEverywhere) {
    Log log;
    log.hide({"hunter2", ""});
    EXPECT_EQ(log.scrub("password hunter2 and hunter2hunter2"),
              "password (hidden) and (hidden)(hidden)");
}

TEST(Metadata, DigestFollowsValuesNotOrder) {
    Metadata a, b;
    a.add({"hostname", "pg-1", Transport::file, {}});
    a.add({"priority", "1", Transport::file, {}});
    b.add({"priority", "1", Transport::guestinfo, {}});
    b.add({"hostname", "pg-1", Transport::ovf, {}});
    EXPECT_EQ(a.digest(), b.digest());
    b.add({"cluster", "x", Transport::defaults, {}});
    EXPECT_NE(a.digest(), b.digest());
}

TEST(Log, ShortSecretsAreHiddenOnceNotRecursively) {
    Log log;
    log.hide({"d", "e"});
    EXPECT_EQ(log.scrub("bad (hidden)"), "ba(hidden) (hidden)");
    EXPECT_EQ(log.scrub(log.scrub("ded")), "(hidden)(hidden)(hidden)");
}
