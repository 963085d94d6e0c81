#include "kiln/node_schema.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace kiln::node;

TEST(NodeSchema, EveryDesignKeyIsDefinedOnce) {
    const std::set<std::string> expected = {"hostname",
                                            "instance_id",
                                            "priority",
                                            "ssh_authorized_keys",
                                            "peers",
                                            "cluster",
                                            "vip",
                                            "vip_interface",
                                            "vrrp_router_id",
                                            "interface",
                                            "address",
                                            "gateway",
                                            "dns",
                                            "dcs",
                                            "timezone",
                                            "ntp_servers",
                                            "zabbix_server",
                                            "postgres_password",
                                            "replication_password",
                                            "rest_password",
                                            "vrrp_password",
                                            "consul_encrypt",
                                            "consul_token",
                                            "tls_ca",
                                            "tls_cert",
                                            "tls_key"};
    std::set<std::string> names;
    for (const auto& spec : keys()) {
        EXPECT_TRUE(names.insert(std::string(spec.name)).second) << spec.name;
        EXPECT_FALSE(spec.label.empty()) << spec.name;
        EXPECT_FALSE(spec.description.empty()) << spec.name;
    }
    EXPECT_EQ(names, expected);
    for (auto secret :
         {"postgres_password", "replication_password", "rest_password", "vrrp_password"}) {
        ASSERT_TRUE(find_key(secret)) << secret;
        EXPECT_TRUE(find_key(secret)->is_secret()) << secret;
    }
    ASSERT_TRUE(find_key("hostname"));
    EXPECT_FALSE(find_key("hostname")->is_secret());
}

TEST(NodeSchema, PriorityIsAnIntegerFrom1To254) {
    ASSERT_TRUE(find_key("priority"));
    const KeySpec& priority = *find_key("priority");
    EXPECT_FALSE(check_value(priority, "1"));
    EXPECT_FALSE(check_value(priority, "254"));
    EXPECT_TRUE(check_value(priority, "0"));
    EXPECT_TRUE(check_value(priority, "255"));
    EXPECT_TRUE(check_value(priority, "high"));
    EXPECT_TRUE(check_value(priority, "100\n"));
}

TEST(NodeSchema, PeersAreUniqueNameAddressPairs) {
    ASSERT_TRUE(find_key("peers"));
    const KeySpec& peers = *find_key("peers");
    EXPECT_FALSE(check_value(peers, "pg1=10.0.0.11,pg2=10.0.0.12,pg3=10.0.0.13"));
    EXPECT_FALSE(check_value(peers, "pg1=10.0.0.11\npg2=10.0.0.12"));
    auto items = split_items(peers, " pg1=10.0.0.11 , pg2=10.0.0.12 ");
    ASSERT_EQ(items.size(), 2u);
    auto second = parse_peer(items[1]);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->address, "10.0.0.12");
    EXPECT_TRUE(check_value(peers, "pg1=10.0.0.11,pg1=10.0.0.12"));
    EXPECT_TRUE(check_value(peers, "pg1=10.0.0.11,pg2=10.0.0.11"));
    EXPECT_TRUE(check_value(peers, "pg1=pg1.example.com"));
    EXPECT_TRUE(check_value(peers, "pg1"));
    EXPECT_TRUE(check_value(peers, ""));
}

TEST(NodeSchema, ValuesCannotCarryLineBreaks) {
    for (auto key : {"hostname", "cluster", "vip", "postgres_password", "zabbix_server"}) {
        ASSERT_TRUE(find_key(key)) << key;
        auto problem = check_item(*find_key(key), "a\nb");
        EXPECT_TRUE(problem) << key;
    }
    ASSERT_TRUE(find_key("postgres_password"));
    EXPECT_TRUE(check_value(*find_key("postgres_password"), ""));
    EXPECT_TRUE(check_value(*find_key("hostname"), std::string(kMaxValueBytes + 1, 'a')));
}

TEST(NodeSchema, ClosestKeySuggestsANearNameAndNothingForAFarOne) {
    EXPECT_EQ(closest_key("hostnme"), "hostname");
    EXPECT_FALSE(closest_key("completely-different"));
}

// One rule per key for kiln metadata and kiln-firstboot alike; a secret's problem never
// quotes the secret.
TEST(NodeSchema, SecretsFollowTheRulesOfTheirConsumersAndAreNeverQuoted) {
    const KeySpec& vrrp = *find_key("vrrp_password");
    const KeySpec& postgres = *find_key("postgres_password");
    EXPECT_FALSE(check_value(vrrp, "Vr4p-x_Y"));
    for (std::string bad : {"vr rp", "vr#rp", "vr{rp", "vr\"rp", "vr\\rp", "vr\xc3\xa4rp"})
        EXPECT_TRUE(check_value(vrrp, bad)) << bad;
    EXPECT_FALSE(check_value(postgres, "p\xc3\xa4ss w\xc3\xb6rd #{}!'\""));
    EXPECT_FALSE(check_value(postgres, std::string(kMaxSecretBytes, 'p')));
    auto too_long = check_value(postgres, std::string(5000, 'p'));
    ASSERT_TRUE(too_long);
    EXPECT_EQ(*too_long, "longer than 1024 bytes, the limit for a secret");
    for (std::string bad :
         {"Sec\tret", "Sec\nret", "Sec\x1bret", "Sec\xe9ret", "Sec\xed\xa0\x80ret"}) {
        auto problem = check_value(postgres, bad);
        ASSERT_TRUE(problem) << bad;
        EXPECT_EQ(problem->find("Sec"), std::string::npos) << *problem;
        EXPECT_EQ(problem->find("ret"), std::string::npos) << *problem;
    }
}

TEST(NodeSchema, EveryValueIsValidUtf8) {
    for (const auto& spec : keys()) {
        auto problem = check_item(spec, "a\xff");
        ASSERT_TRUE(problem) << spec.name;
        EXPECT_NE(problem->find("is not valid UTF-8"), std::string::npos) << *problem;
    }
    EXPECT_EQ(*check_value(*find_key("ntp_servers"), "pool.ntp.org,ntp.\xc0\xaf.org"),
              "value is not valid UTF-8 (an invalid byte at offset 4)");
}
