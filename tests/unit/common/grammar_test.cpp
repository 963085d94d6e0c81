#include "kiln/grammar.hpp"

#include <gtest/gtest.h>

using namespace kiln::grammar;

namespace {
const char* kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVWdRGZCIH6Q1JXgmyWH0MC4oTV1s9nBuXmZKvmJCuR ops@example";
}

TEST(Grammar, HostnameFollowsRfc1123) {
    EXPECT_FALSE(hostname("pg-1"));
    EXPECT_FALSE(hostname("pg-1.example.com"));
    EXPECT_FALSE(hostname(std::string(63, 'a')));
    EXPECT_TRUE(hostname(""));
    EXPECT_TRUE(hostname("-pg"));
    EXPECT_TRUE(hostname("pg-"));
    EXPECT_TRUE(hostname("pg_1"));
    EXPECT_TRUE(hostname("pg..example"));
    EXPECT_TRUE(hostname(std::string(64, 'a')));
    EXPECT_TRUE(hostname("pg\nrogue"));
}

TEST(Grammar, RejectsMalformedAddressesCidrsAndHostnames) {
    EXPECT_FALSE(ip_address("10.0.0.1"));
    EXPECT_FALSE(ip_address("fd00::1"));
    EXPECT_TRUE(ip_address("10.0.0.256"));
    EXPECT_TRUE(ip_address("pg1"));
    EXPECT_FALSE(cidr("10.0.0.10/24"));
    EXPECT_FALSE(cidr("fd00::10/64"));
    EXPECT_TRUE(cidr("10.0.0.10"));
    EXPECT_TRUE(cidr("10.0.0.10/33"));
    EXPECT_TRUE(cidr("10.0.0.10/-1"));
    EXPECT_TRUE(cidr("fd00::10/129"));
    EXPECT_FALSE(host("ntp.example.com"));
    EXPECT_FALSE(host("192.0.2.1"));
    EXPECT_TRUE(host("ntp..example"));
}

TEST(Grammar, SshKeysMustDecodeToTheirDeclaredType) {
    EXPECT_FALSE(ssh_public_key(kEd25519));
    EXPECT_TRUE(ssh_public_key("ssh-dss AAAAB3NzaC1kc3MAAACBAP"));
    EXPECT_TRUE(ssh_public_key("ssh-ed25519"));
    EXPECT_TRUE(ssh_public_key("ssh-ed25519 AAAA!!!!"));
    // Valid base64, but the blob says ssh-ed25519 while the line claims ssh-rsa.
    std::string mislabelled = std::string(kEd25519).replace(0, 11, "ssh-rsa");
    auto problem = ssh_public_key(mislabelled);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("not the declared type"), std::string::npos);
    EXPECT_TRUE(ssh_public_key(std::string(kEd25519) + "\nssh-ed25519 injected"));
}

TEST(Grammar, ChecksModesSizesUnitUserAndPackageNames) {
    EXPECT_FALSE(file_mode("0644"));
    EXPECT_FALSE(file_mode("755"));
    EXPECT_TRUE(file_mode("0985"));
    EXPECT_TRUE(file_mode("rw-r--r--"));
    EXPECT_TRUE(file_mode("07777"));
    EXPECT_EQ(parse_size("8G"), 8ULL << 30);
    EXPECT_EQ(parse_size("512MiB"), 512ULL << 20);
    EXPECT_EQ(parse_size("10240M"), 10240ULL << 20);
    EXPECT_EQ(parse_size("4096"), 4096ULL);
    EXPECT_FALSE(parse_size("8 G"));
    EXPECT_FALSE(parse_size("G"));
    EXPECT_FALSE(parse_size("8X"));
    EXPECT_FALSE(unit_name("etcd"));
    EXPECT_FALSE(unit_name("getty@tty1.service"));
    EXPECT_TRUE(unit_name("etcd service"));
    EXPECT_TRUE(unit_name(".service"));
    EXPECT_FALSE(user_name("postgres"));
    EXPECT_FALSE(user_name("0"));
    EXPECT_TRUE(user_name("Root"));
    EXPECT_FALSE(package_name("postgresql-15"));
    EXPECT_FALSE(package_name("haproxy=2.6.12-1+deb12u1"));
    EXPECT_TRUE(package_name("haproxy="));
    EXPECT_TRUE(package_name("two words"));
    EXPECT_FALSE(time_zone("Europe/Berlin"));
    EXPECT_TRUE(time_zone("../../etc/passwd"));
    EXPECT_FALSE(locale("en_US.UTF-8"));
    EXPECT_TRUE(locale("english"));
}

TEST(Grammar, EditDistanceIsCaseInsensitive) {
    EXPECT_EQ(edit_distance("packages", "pakages"), 1u);
    EXPECT_EQ(edit_distance("Disk", "disk"), 0u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Grammar, Utf8RefusesEveryMalformedSequenceByItsOffset) {
    EXPECT_FALSE(utf8(""));
    EXPECT_FALSE(utf8("plain ascii"));
    EXPECT_FALSE(utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98"));  // 2-, 3- and 4-byte forms
    EXPECT_EQ(*utf8("caf\xe9"), "is not valid UTF-8 (at byte 3)");    // Latin-1
    EXPECT_TRUE(utf8("\x80"));                                        // stray continuation
    EXPECT_TRUE(utf8("\xc0\xaf"));                                    // overlong '/'
    EXPECT_TRUE(utf8("\xed\xa0\x80"));                                // surrogate
    EXPECT_TRUE(utf8("\xf4\x90\x80\x80"));                            // above U+10FFFF
    EXPECT_TRUE(utf8("ab\xe2\x82"));                                  // truncated
    EXPECT_TRUE(utf8("\xff"));
}
