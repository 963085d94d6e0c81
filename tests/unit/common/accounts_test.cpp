// /etc/passwd and /etc/group parsed as text, as both the builder (a guest's files) and the
// static kiln-firstboot (no NSS) need them.
#include "kiln/accounts.hpp"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

TEST(Accounts, GoodLinesGiveIdsAndHome) {
    auto a = Accounts::parse(
        "root:x:0:0:root:/root:/bin/bash\n"
        "postgres:x:107:114:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n"
        "nohome:x:1001:1001:::/usr/sbin/nologin\n",
        "root:x:0:\npostgres:x:114:\nssl-cert:x:110:postgres\n");
    ASSERT_TRUE(a.user("postgres"));
    EXPECT_EQ(a.user("postgres")->uid, 107u);
    EXPECT_EQ(a.user("postgres")->gid, 114u);
    EXPECT_EQ(a.user("postgres")->home, "/var/lib/postgresql");
    EXPECT_EQ(a.user("root")->uid, 0u);
    EXPECT_EQ(a.user("nohome")->home, "");
    EXPECT_EQ(a.group("ssl-cert")->gid, 110u);
    EXPECT_FALSE(a.user("nobody"));
    EXPECT_FALSE(a.group("nogroup"));
    EXPECT_FALSE(a.user("ssl-cert"));  // groups are not users
}

TEST(Accounts, CommentsNisEntriesAndMalformedLinesAreSkipped) {
    auto a = Accounts::parse(
        "# comment:x:1:1::/:/bin/sh\n"
        "+nis:x:2:2::/:/bin/sh\n"
        "-other:x:3:3::/:/bin/sh\n"
        "\n"
        "short:x:4:4\n"
        ":x:5:5::/:/bin/sh\n"
        "kiln:x:1000:1000:Kiln Admin:/home/kiln:/bin/bash",  // no final newline
        "broken\nwheel:x:\nstaff:x:50:\n");
    for (const char* name : {"# comment", "+nis", "nis", "-other", "short", ""})
        EXPECT_FALSE(a.user(name)) << name;
    EXPECT_EQ(a.user("kiln")->home, "/home/kiln");
    EXPECT_FALSE(a.group("broken"));
    EXPECT_FALSE(a.group("wheel"));
    EXPECT_EQ(a.group("staff")->gid, 50u);
}

TEST(Accounts, IdsMustBeWholeNonNegativeNumbers) {
    auto a = Accounts::parse(
        "neg:x:-1:0::/:/bin/sh\nhex:x:0x10:0::/:/bin/sh\nspace:x: 5:0::/:/bin/sh\n"
        "empty:x::0::/:/bin/sh\nbig:x:4294967296:0::/:/bin/sh\nbadgid:x:5:five::/:/bin/sh\n"
        "max:x:4294967295:65534::/:/bin/sh\n",
        "g:x:12a:\n");
    for (const char* name : {"neg", "hex", "space", "empty", "big", "badgid"})
        EXPECT_FALSE(a.user(name)) << name;
    EXPECT_EQ(a.user("max")->uid, 4294967295u);
    EXPECT_FALSE(a.group("g"));
}

TEST(Accounts, HomeIsAbsoluteAndCannotClimbOutOfTheRoot) {
    auto a = Accounts::parse(
        "up:x:1:1::/home/../../../etc:/bin/sh\n"
        "inner:x:2:2::/home/kiln/../ops/.:/bin/sh\n"
        "relative:x:3:3::home/rel:/bin/sh\n",
        "");
    EXPECT_EQ(a.user("up")->home, "/etc");
    EXPECT_EQ(a.user("inner")->home, "/home/ops/");
    EXPECT_EQ(a.user("relative")->home, "");
    EXPECT_EQ(a.user("relative")->uid, 3u);
}

TEST(Accounts, TheFirstEntryOfANameWins) {
    auto a =
        Accounts::parse("dup:x:1:1::/a:/bin/sh\ndup:x:2:2::/b:/bin/sh\n", "dup:x:1:\ndup:x:2:\n");
    EXPECT_EQ(a.user("dup")->uid, 1u);
    EXPECT_EQ(a.group("dup")->gid, 1u);
}

}  // namespace
