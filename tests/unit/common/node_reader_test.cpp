// Node keys read from YAML: the defaults a profile bakes (firstboot.defaults) and image.yml
// carries (defaults) are validated by one function.
#include "kiln/node_reader.hpp"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

struct Defaults {
    std::map<std::string, Text> values;
    Report report;
    std::string text;
};

Defaults read_defaults(const std::string& yaml_text) {
    Defaults out;
    SourceFiles sources;
    auto root = yaml::load_string("d.yml", yaml_text, sources, out.report);
    EXPECT_TRUE(root);
    out.values = node::read_defaults(*root->find("defaults"), "firstboot.defaults", out.report);
    out.text = out.report.format(nullptr);
    return out;
}

TEST(NodeDefaults, GoodValuesKeepTheirTextAndLocation) {
    auto d = read_defaults(
        "defaults:\n  cluster: pg-ha\n  ntp_servers: [0.pool.ntp.org, 1.pool.ntp.org]\n"
        "  vrrp_router_id: 51\n");
    EXPECT_TRUE(d.report.empty()) << d.text;
    ASSERT_EQ(d.values.size(), 3u);
    EXPECT_EQ(d.values["cluster"].value, "pg-ha");
    EXPECT_EQ(d.values["cluster"].where, (Location{"d.yml", 2, 12}));
    EXPECT_EQ(d.values["ntp_servers"].value, "0.pool.ntp.org,1.pool.ntp.org");
    EXPECT_EQ(d.values["vrrp_router_id"].value, "51");
}

TEST(NodeDefaults, UnknownKeysBadValuesAndSecretsAreRefused) {
    auto d = read_defaults(
        "defaults:\n  prority: 1\n  priority: 900\n  dns: [10.0.0.1, nameserver]\n"
        "  cluster: {a: b}\n  postgres_password: hunter2\n  vrrp_password: x\n  timezone: UTC\n");
    for (const char* expected :
         {"d.yml:2:3: error: unknown node key 'prority' in 'firstboot.defaults' (did you mean "
          "'priority'?)",
          "d.yml:3:13: error: 'firstboot.defaults.priority': '900' is not an integer from 1 to "
          "254",
          "d.yml:4:8: error: 'firstboot.defaults.dns':",
          "d.yml:5:12: error: 'firstboot.defaults.cluster' must be a string, found a mapping",
          "d.yml:6:3: error: 'postgres_password' is a secret and cannot have a default",
          "d.yml:7:3: error: 'vrrp_password' is a secret and cannot have a default"})
        EXPECT_NE(d.text.find(expected), std::string::npos) << expected << "\n" << d.text;
    EXPECT_EQ(d.report.error_count(), 6u) << d.text;
    ASSERT_EQ(d.values.size(), 1u);
    EXPECT_EQ(d.values["timezone"].value, "UTC");
}

TEST(NodeDefaults, NotAMappingIsOneError) {
    auto d = read_defaults("defaults: [cluster]\n");
    EXPECT_EQ(d.report.error_count(), 1u);
    EXPECT_NE(d.text.find("'firstboot.defaults' must be a mapping of node keys, found a list"),
              std::string::npos)
        << d.text;
    EXPECT_TRUE(d.values.empty());
}

TEST(NodeValue, ReadsListsJoinedAndChecksThem) {
    Report report;
    SourceFiles sources;
    auto root = yaml::load_string("v.yml", "peers: [pg1=10.0.0.1, pg2=10.0.0.2]\nbad: pg1\n",
                                  sources, report);
    const auto& peers = *node::find_key("peers");
    auto good = node::read_value(peers, *root->find("peers"), "peers", report);
    ASSERT_TRUE(good);
    EXPECT_EQ(good->value, "pg1=10.0.0.1,pg2=10.0.0.2");
    EXPECT_FALSE(node::read_value(peers, *root->find("bad"), "bad", report));
    EXPECT_NE(report.format(nullptr).find("v.yml:2:6: error: 'bad': peer 'pg1' is not of the form"),
              std::string::npos)
        << report.format(nullptr);
}

}  // namespace
