// Inventories (positive and negative cases side by side in inventory_cases/) and the
// per-node metadata `kiln metadata` derives from them, read back the way kiln-firstboot reads it.
#include "inventory/inventory.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kiln/node_document.hpp"
#include "kiln/node_schema.hpp"
#include "metadata/formats.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

const fs::path kCases = fs::path(KILN_TEST_DATA) / "inventory_cases";

struct Loaded {
    std::optional<inventory::Inventory> inventory;
    Report report;
    std::string text;
};

Loaded load_case(const std::string& name) {
    Loaded out;
    out.inventory = inventory::load((kCases / (name + ".yml")).string(), out.report);
    out.text = out.report.format(nullptr);
    return out;
}

bool mentions(const Loaded& l, const std::string& text) {
    return l.text.find(text) != std::string::npos;
}

const std::map<std::string, std::string> kSecrets = {{"postgres_password", "pg-secret-1"},
                                                     {"replication_password", "repl-secret-2"},
                                                     {"rest_password", "rest-secret-3"},
                                                     {"vrrp_password", "vrrp4"}};

TEST(Inventory, GoodInventoryGivesEveryNodeItsMetadata) {
    auto l = load_case("good-three");
    ASSERT_TRUE(l.inventory) << l.text;
    EXPECT_TRUE(l.report.empty()) << l.text;
    ASSERT_EQ(l.inventory->nodes.size(), 3u);
    auto values = inventory::node_metadata(*l.inventory, l.inventory->nodes[1], kSecrets);
    std::map<std::string, std::string> map(values.begin(), values.end());
    EXPECT_EQ(map["hostname"], "pg2");
    EXPECT_EQ(map["priority"], "100");
    EXPECT_EQ(map["peers"], "pg1=10.77.0.11,pg2=10.77.0.12,pg3=10.77.0.13");
    EXPECT_EQ(map["instance_id"], "pg-ha-pg2");
    EXPECT_EQ(map["vip"], "10.77.0.100/24");
    EXPECT_EQ(map["postgres_password"], "pg-secret-1");
    for (const auto& [key, value] : values) {
        ASSERT_TRUE(node::find_key(key)) << key;
        EXPECT_FALSE(node::check_value(*node::find_key(key), value)) << key << "=" << value;
    }
}

TEST(Inventory, AnAliasThatContainsItselfIsAnErrorNotACrash) {
    auto l = load_case("bad-alias-cycle");
    EXPECT_FALSE(l.inventory);
    EXPECT_TRUE(mentions(l, "bad-alias-cycle.yml:6:"));
    EXPECT_TRUE(mentions(l, "an alias refers to a list or mapping that contains it")) << l.text;
}

TEST(Inventory, EvenMemberCountIsWarned) {
    auto l = load_case("warn-even");
    EXPECT_TRUE(l.inventory);
    EXPECT_EQ(l.report.warning_count(), 1u);
    EXPECT_TRUE(mentions(l, "2 members")) << l.text;
}

TEST(Inventory, DuplicateNamesAddressesAndPrioritiesAreLocated) {
    auto l = load_case("bad-duplicates");
    EXPECT_FALSE(l.inventory);
    EXPECT_TRUE(mentions(
        l, "bad-duplicates.yml:22:11: error: node name 'pg1' is already used by node 'pg1'"))
        << l.text;
    EXPECT_TRUE(mentions(l, "node address '10.77.0.12' is already used by node 'pg2'")) << l.text;
    EXPECT_TRUE(mentions(l, "node priority '100' is already used by node 'pg2'")) << l.text;
}

TEST(Inventory, VipMustBeAFreeAddressInTheNodesSubnet) {
    auto outside = load_case("bad-vip-outside");
    EXPECT_FALSE(outside.inventory);
    EXPECT_TRUE(mentions(
        outside,
        "bad-vip-outside.yml:7:6: error: the VIP 10.78.0.100/24 is not in node 'pg1''s subnet"))
        << outside.text;
    auto taken = load_case("bad-vip-is-node");
    EXPECT_FALSE(taken.inventory);
    EXPECT_TRUE(mentions(taken, "the VIP 10.77.0.12 is node 'pg2''s own address")) << taken.text;
}

TEST(Inventory, SecretsDoNotBelongInIt) {
    auto l = load_case("bad-secret-inline");
    EXPECT_FALSE(l.inventory);
    EXPECT_TRUE(mentions(l, "bad-secret-inline.yml:7:1: error: 'postgres_password' is a secret"))
        << l.text;
}

TEST(Inventory, ValuesFollowTheNodeSchema) {
    auto l = load_case("bad-values");
    EXPECT_FALSE(l.inventory);
    EXPECT_TRUE(mentions(l, "'nodes[].priority': '255' is not an integer from 1 to 254")) << l.text;
    EXPECT_TRUE(mentions(l, "'nodes[].name': hostname 'pg_2'")) << l.text;
    EXPECT_TRUE(mentions(l, "'nodes[].address': '10.77.0.13' is not in CIDR form")) << l.text;
    EXPECT_FALSE(load_case("bad-no-nodes").inventory);
}

TEST(Inventory, MissingAndUnknownKeysNameTheInventory) {
    auto l = load_case("bad-missing-keys");
    EXPECT_FALSE(l.inventory);
    EXPECT_TRUE(mentions(l,
                         "bad-missing-keys.yml:1:1: error: missing required key 'vip' in "
                         "'the inventory'"))
        << l.text;
    EXPECT_TRUE(mentions(l,
                         "bad-missing-keys.yml:2:1: warning: unknown key 'clustr' in 'the "
                         "inventory' (did you mean 'cluster'?)"))
        << l.text;
}

TEST(Inventory, MissingSecretsNameBothPlaces) {
    Report report;
    ::unsetenv("KILN_VRRP_PASSWORD");
    fs::path file =
        fs::temp_directory_path() / ("kiln-secrets-" + std::to_string(::getpid()) + ".yml");
    std::ofstream(file) << "postgres_password: a\nreplication_password: b\nrest_password: c\n";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    auto secrets = inventory::load_secrets(file.string(), "etcd", report);
    EXPECT_EQ(secrets.size(), 3u);
    ASSERT_EQ(report.error_count(), 1u);
    EXPECT_NE(report.format(nullptr).find(
                  "no 'vrrp_password': put it in the --secrets file or set KILN_VRRP_PASSWORD"),
              std::string::npos);
    ::setenv("KILN_VRRP_PASSWORD", "from-env", 1);
    Report again;
    EXPECT_EQ(inventory::load_secrets(file.string(), "etcd", again).at("vrrp_password"),
              "from-env");
    EXPECT_TRUE(again.empty());
    ::unsetenv("KILN_VRRP_PASSWORD");
    fs::remove(file);
}

std::string gunzip_base64(const std::string& text) {
    std::string raw(text.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    raw.resize(static_cast<std::size_t>(n) - (text.ends_with("==")  ? 2
                                              : text.ends_with("=") ? 1
                                                                    : 0));
    z_stream s{};
    inflateInit2(&s, 15 + 16);
    std::string out(1 << 20, '\0');
    s.next_in = reinterpret_cast<Bytef*>(raw.data());
    s.avail_in = static_cast<uInt>(raw.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
    out.resize(s.total_out);
    inflateEnd(&s);
    return out;
}

// The document kiln metadata writes is the document kiln-firstboot reads: same keys, same values.
TEST(Inventory, ConsulSecretsAreNeededOnlyWithDcsConsul) {
    const std::string key = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=";
    const std::string token = "0b6c5a8e-2f4d-4c1a-9e7b-3d2f1a0c9b8e";
    ::unsetenv("KILN_CONSUL_ENCRYPT");
    ::unsetenv("KILN_CONSUL_TOKEN");
    fs::path file =
        fs::temp_directory_path() / ("kiln-consul-secrets-" + std::to_string(::getpid()) + ".yml");
    std::ofstream(file) << "postgres_password: a\nreplication_password: b\nrest_password: c\n"
                           "vrrp_password: d\nconsul_encrypt: "
                        << key << "\n";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);

    Report consul;
    auto secrets = inventory::load_secrets(file.string(), "consul", consul);
    EXPECT_EQ(secrets.at("consul_encrypt"), key);
    ASSERT_EQ(consul.error_count(), 1u) << consul.format(nullptr);
    EXPECT_NE(consul.format(nullptr).find(
                  "no 'consul_token': put it in the --secrets file or set KILN_CONSUL_TOKEN"),
              std::string::npos);
    ::setenv("KILN_CONSUL_TOKEN", token.c_str(), 1);
    Report from_env;
    EXPECT_EQ(inventory::load_secrets(file.string(), "consul", from_env).at("consul_token"), token);
    EXPECT_TRUE(from_env.empty()) << from_env.format(nullptr);

    // Another DCS: neither is asked for, the file's is left out of the metadata (and said so).
    Report etcd;
    auto etcd_secrets = inventory::load_secrets(file.string(), "etcd", etcd);
    EXPECT_FALSE(etcd_secrets.contains("consul_encrypt"));
    EXPECT_FALSE(etcd_secrets.contains("consul_token"));
    EXPECT_EQ(etcd.error_count(), 0u);
    EXPECT_NE(etcd.format(nullptr).find("'consul_encrypt' is not used: the cluster's dcs is etcd"),
              std::string::npos);
    EXPECT_EQ(etcd.format(nullptr).find(key), std::string::npos) << "the key is never quoted";
    ::unsetenv("KILN_CONSUL_TOKEN");
    fs::remove(file);
}

TEST(MetadataFormats, DocumentRoundTripsThroughTheFirstbootReader) {
    auto l = load_case("good-three");
    ASSERT_TRUE(l.inventory);
    ASSERT_FALSE(l.inventory->nodes.empty());
    auto values = inventory::node_metadata(*l.inventory, l.inventory->nodes[0], kSecrets);
    for (auto format : {metadata::Format::fw_cfg, metadata::Format::cloud_init}) {
        auto files = metadata::render(format, "pg1", values);
        ASSERT_FALSE(files.empty());
        std::string document =
            format == metadata::Format::fw_cfg
                ? files[0].content
                : gunzip_base64(files[0].content.substr(0, files[0].content.size() - 1));
        SourceFiles sources;
        Report report;
        auto doc = node::read_document("pg1.metadata", document, sources, report);
        ASSERT_TRUE(doc) << report.format(&sources);
        EXPECT_TRUE(report.empty()) << report.format(&sources);
        ASSERT_EQ(doc->values.size(), values.size());
        for (const auto& [key, value] : values) {
            const auto* read = doc->find(key);
            ASSERT_TRUE(read) << key;
            EXPECT_EQ(read->text, value) << key;
        }
    }
}

TEST(MetadataFormats, EachDeployToolGetsItsOwnEscapedFormat) {
    metadata::Values values = {
        {"hostname", "pg1"}, {"priority", "150"}, {"postgres_password", "a\"b|c"}};
    auto vmx = metadata::render(metadata::Format::guestinfo, "pg1", values).at(0);
    EXPECT_EQ(vmx.name, "pg1.guestinfo.vmx");
    EXPECT_NE(vmx.content.find("guestinfo.kiln.postgres_password = \"a|22b|7Cc\"\n"),
              std::string::npos);
    EXPECT_EQ(vmx.mode, 0600u);

    auto tf = nlohmann::json::parse(
        metadata::render(metadata::Format::terraform, "pg1", values).at(0).content);
    EXPECT_EQ(tf["guestinfo.kiln.priority"], "150");

    auto options = nlohmann::json::parse(
        metadata::render(metadata::Format::ovf_properties, "pg1", values).at(0).content);
    EXPECT_EQ(options["PropertyMapping"][0]["Key"], "kiln.hostname");
    EXPECT_EQ(options["Name"], "pg1");
    EXPECT_EQ(options["InjectOvfEnv"], true);

    // govc: the OVF path, every value in the options file govc reads (none on its argv).
    auto govc = metadata::render(metadata::Format::govc, "pg1", values);
    ASSERT_EQ(govc.size(), 2u);
    EXPECT_NE(govc[0].content.find("govc import.ova -options"), std::string::npos);
    EXPECT_EQ(govc[0].content.find("pg1\n"), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(govc[1].content)["PropertyMapping"][0]["Value"], "pg1");

    auto fw = metadata::render(metadata::Format::fw_cfg, "pg1", values);
    ASSERT_EQ(fw.size(), 2u);
    EXPECT_EQ(fw[1].content, "-fw_cfg name=opt/kiln/metadata,file=pg1.metadata.yml\n");
    EXPECT_EQ(metadata::gzip_base64("x"), metadata::gzip_base64("x"));  // deterministic
}

}  // namespace
