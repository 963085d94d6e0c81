// `kiln metadata` against hostile secrets and inventories, run as a user runs it: no output
// ever quotes a line or a value that could hold a secret, and it accepts exactly the secrets
// kiln-firstboot accepts (both apply the node schema's one rule per key).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "harness.hpp"
#include "kiln/node_schema.hpp"

namespace fs = std::filesystem;

namespace {

using kiln_test::CommandResult;

const std::string kInventory = std::string(KILN_TEST_DATA) + "/inventory_cases/good-three.yml";

// A secrets file whose postgres_password line is `postgres_line`, the others valid.
std::string secrets_with(const std::string& postgres_line) {
    return postgres_line +
           "\n"
           "replication_password: repl-secret-2\n"
           "rest_password: rest-secret-3\n"
           "vrrp_password: vrrp4\n";
}

// The four KILN_*_PASSWORD variables, postgres_password's being `postgres`.
std::vector<std::string> secrets_environment(const std::string& postgres) {
    return {"KILN_POSTGRES_PASSWORD=" + postgres, "KILN_REPLICATION_PASSWORD=r",
            "KILN_REST_PASSWORD=s", "KILN_VRRP_PASSWORD=v"};
}

class MetadataSecrets : public ::testing::Test {
protected:
    kiln_test::Scratch scratch_{"metadata-secrets"};

    fs::path write(const std::string& name, const std::string& text) {
        fs::path path = scratch_.path / name;
        std::ofstream(path, std::ios::binary) << text;
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        return path;
    }

    // kiln metadata with stdout and stderr together; a crash or a hang fails the test.
    CommandResult metadata(std::vector<std::string> args,
                           std::vector<std::string> environment = {}) {
        std::vector<std::string> argv = {kiln_test::kiln_binary(), "metadata"};
        argv.insert(argv.end(), args.begin(), args.end());
        kiln_test::CommandOptions options;
        options.working_directory = scratch_.path;  // where a cluster CA is made by default
        options.environment = std::move(environment);
        options.timeout = std::chrono::seconds(30);
        return kiln_test::run_command(argv, options);
    }

    // kiln metadata for node pg1 of good-three.yml with this secrets file.
    CommandResult with_secrets(const std::string& secrets_text,
                               const std::string& format = "fw_cfg") {
        return metadata({"--inventory", kInventory, "--secrets",
                         write("secrets.yml", secrets_text).string(), "--format", format, "--node",
                         "pg1"});
    }
};

bool contains(const CommandResult& r, const std::string& text) {
    return r.out.find(text) != std::string::npos;
}

TEST_F(MetadataSecrets, InlineSecretInTheInventoryIsRefusedWithoutQuotingIt) {
    auto top = metadata({"--inventory",
                         std::string(KILN_TEST_DATA) + "/inventory_cases/bad-secret-inline.yml",
                         "--format", "fw_cfg"});
    EXPECT_EQ(top.exit_code, 1) << top.out;
    EXPECT_TRUE(contains(top, "bad-secret-inline.yml:7:1: error: 'postgres_password' is a secret"))
        << top.out;
    EXPECT_FALSE(contains(top, "hunter2")) << top.out;

    auto in_node = metadata(
        {"--inventory", std::string(KILN_TEST_DATA) + "/inventory_cases/bad-secret-in-node.yml",
         "--format", "fw_cfg"});
    EXPECT_EQ(in_node.exit_code, 1) << in_node.out;
    EXPECT_TRUE(
        contains(in_node, "bad-secret-in-node.yml:20:5: error: 'vrrp_password' is a secret"))
        << in_node.out;
    EXPECT_FALSE(contains(in_node, "NodeSecret9")) << in_node.out;
}

TEST_F(MetadataSecrets, ControlCharacterInASecretIsRefusedWithoutQuotingIt) {
    auto file = with_secrets(secrets_with("postgres_password: \"Tab\tSecret\\x1b[31m\""));
    EXPECT_EQ(file.exit_code, 1) << file.out;
    EXPECT_TRUE(contains(file,
                         "secrets.yml:1:20: error: 'postgres_password': contains a control "
                         "character"))
        << file.out;
    EXPECT_FALSE(contains(file, "Secret")) << file.out;
    EXPECT_FALSE(contains(file, "Tab")) << file.out;

    auto env = metadata({"--inventory", kInventory, "--format", "fw_cfg"},
                        secrets_environment("Env\x1bSecret"));
    EXPECT_EQ(env.exit_code, 1) << env.out;
    EXPECT_TRUE(contains(env,
                         "environment KILN_POSTGRES_PASSWORD: error: contains a control "
                         "character"))
        << env.out;
    EXPECT_FALSE(contains(env, "Secret")) << env.out;
}

TEST_F(MetadataSecrets, MisspelledOrMangledKeyInTheSecretsFileIsNotQuoted) {
    auto misspelled =
        with_secrets(secrets_with("postgres_pasword: Misspelled7\npostgres_password: fine-pass"));
    EXPECT_EQ(misspelled.exit_code, 0) << misspelled.out;
    EXPECT_TRUE(
        contains(misspelled,
                 "secrets.yml:1:1: warning: unknown key in the secrets file, not shown as it "
                 "may be a secret (did you mean 'postgres_password'?)"))
        << misspelled.out;
    EXPECT_FALSE(contains(misspelled, "Misspelled7")) << misspelled.out;

    // A flow mapping without a blank after the colon: the key holds the secret.
    auto flow = with_secrets("{postgres_password:FlowSecret8}\n");
    EXPECT_EQ(flow.exit_code, 1) << flow.out;
    EXPECT_FALSE(contains(flow, "FlowSecret8")) << flow.out;
}

// The rules kiln-firstboot applies, through the schema: what it refuses, kiln metadata refuses.
TEST_F(MetadataSecrets, SecretsFirstbootRefusesAreRefused) {
    auto blank = with_secrets(
        "postgres_password: pg-secret-1\nreplication_password: r\nrest_password: s\n"
        "vrrp_password: \"vr rp\"\n");
    EXPECT_EQ(blank.exit_code, 1) << blank.out;
    EXPECT_TRUE(contains(blank, "'vrrp_password': may contain only printable ASCII characters"))
        << blank.out;
    EXPECT_FALSE(contains(blank, "vr rp")) << blank.out;

    // Refused before anything is written.
    fs::path out = scratch_.path / "out";
    auto written = metadata({"--inventory", kInventory, "--format", "fw_cfg", "-o", out.string()},
                            secrets_environment(std::string(5000, 'p')));
    EXPECT_EQ(written.exit_code, 1) << written.out;
    EXPECT_FALSE(fs::exists(out)) << written.out;

    auto long_one = with_secrets(secrets_with("postgres_password: " + std::string(5000, 'p')));
    EXPECT_EQ(long_one.exit_code, 1) << long_one.out;
    EXPECT_TRUE(contains(long_one,
                         "'postgres_password': longer than 1024 bytes, the limit for a "
                         "secret"))
        << long_one.out;
}

TEST_F(MetadataSecrets, InvalidUtf8IsRefusedInEveryFormat) {
    for (std::string format :
         {"guestinfo", "govc", "terraform", "ovf-properties", "cloud-init", "fw_cfg"}) {
        auto r = with_secrets(secrets_with("postgres_password: \"caf\xe9-secret\""), format);
        EXPECT_EQ(r.exit_code, 1) << format << ": " << r.out;
        EXPECT_TRUE(contains(r,
                             "secrets.yml:1:24: error: not a YAML text file: the byte here is "
                             "not UTF-8"))
            << format << r.out;
        EXPECT_FALSE(contains(r, "no 'replication_password'"))
            << "a secrets file that cannot be read has no missing secrets: " << r.out;
        EXPECT_FALSE(contains(r, "internal error")) << format << r.out;
    }
    auto env = metadata({"--inventory", kInventory, "--format", "terraform"},
                        secrets_environment("caf\xe9"));
    EXPECT_EQ(env.exit_code, 1) << env.out;
    EXPECT_TRUE(contains(env, "environment KILN_POSTGRES_PASSWORD: error: is not valid UTF-8"))
        << env.out;

    fs::path inventory = write(
        "inventory.yml", kiln_test::read_text(kInventory) + "zabbix_server: zabbix.\xff.example\n");
    auto in_inventory = metadata({"--inventory", inventory.string(), "--format", "ovf-properties"},
                                 secrets_environment("p"));
    EXPECT_EQ(in_inventory.exit_code, 1) << in_inventory.out;
    EXPECT_TRUE(contains(in_inventory, "error: not a YAML text file: the byte here is not UTF-8"))
        << in_inventory.out;

    auto network = metadata(
        {"--inventory", kInventory, "--format", "ovf-properties", "--network", "VM \xfe Network"},
        secrets_environment("p"));
    EXPECT_EQ(network.exit_code, 2) << network.out;
    EXPECT_TRUE(contains(network, "is not valid UTF-8")) << network.out;
}

TEST_F(MetadataSecrets, AcceptedSecretsAreWrittenUnchanged) {
    std::string accepted = "p\xc3\xa4ss w\xc3\xb6rd #{}!'\"";  // UTF-8, blanks, YAML characters
    auto r = with_secrets(secrets_with("postgres_password: 'p\xc3\xa4ss w\xc3\xb6rd #{}!''\"'"),
                          "terraform");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(contains(r,
                         "\"guestinfo.kiln.postgres_password\": \"p\xc3\xa4ss w\xc3\xb6rd "
                         "#{}!'\\\"\""))
        << r.out;
    EXPECT_FALSE(kiln::node::check_value(*kiln::node::find_key("postgres_password"), accepted));
}

}  // namespace

// --profile: the inventory's dcs must be a server the image of the profile carries (the bundled
// Debian profile: etcd and ZooKeeper), as kiln-firstboot checks it against image.yml.
TEST_F(MetadataSecrets, TheProfileDecidesWhichDcsTheClusterMayChoose) {
    const std::string profile = std::string(KILN_SOURCE_DIR) + "/profiles/debian12-patroni.yml";
    std::string inventory = kiln_test::read_text(kInventory);
    auto with_dcs = [&](const std::string& dcs) {
        std::string text = inventory;
        text.replace(text.find("dcs: etcd"), 9, "dcs: " + dcs);
        return write("inventory-" + dcs + ".yml", text).string();
    };
    std::vector<std::string> environment = secrets_environment("pg-secret-1");
    environment.push_back("KILN_CONSUL_ENCRYPT=pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=");
    environment.push_back("KILN_CONSUL_TOKEN=0b6c5a8e-2f4d-4c1a-9e7b-3d2f1a0c9b8e");

    CommandResult consul =
        metadata({"--inventory", with_dcs("consul"), "--profile", profile, "--format", "fw_cfg"},
                 environment);
    EXPECT_EQ(consul.exit_code, 1) << consul.ending() << "\n" << consul.out;
    EXPECT_TRUE(contains(consul, "inventory-consul.yml: error: 'dcs': the image of " + profile +
                                     " carries no consul server; it offers etcd, zookeeper"))
        << consul.out;
    EXPECT_FALSE(contains(consul, "pUqJrVyVRj5jsiYEkM")) << "the gossip key is never shown";

    CommandResult zookeeper =
        metadata({"--inventory", with_dcs("zookeeper"), "--profile", profile, "--format", "fw_cfg"},
                 environment);
    EXPECT_EQ(zookeeper.exit_code, 0) << zookeeper.ending() << "\n" << zookeeper.out;
    EXPECT_TRUE(contains(zookeeper, "zookeeper")) << zookeeper.out;
    EXPECT_FALSE(contains(zookeeper, "consul_encrypt")) << "no Consul secret for ZooKeeper";
}

// govc takes extraConfig values only on its command line: the govc format puts no value on any
// command line, but every one (secrets and the node's TLS key included) in the import options
// file govc reads, and says how to clear them from vCenter after bring-up.
TEST_F(MetadataSecrets, GovcPutsNoValueOnACommandLine) {
    fs::path out = scratch_.path / "govc";
    auto r = metadata(
        {"--inventory", kInventory, "--format", "govc", "--node", "pg1", "-o", out.string()},
        secrets_environment("pg-secret-on-argv-1"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    std::string script = kiln_test::read_text(out / "pg1.govc.sh");
    std::string options = kiln_test::read_text(out / "pg1.import-options.json");
    EXPECT_EQ(script.find("pg-secret-on-argv-1"), std::string::npos) << script;
    EXPECT_EQ(script.find("PRIVATE KEY"), std::string::npos) << script;
    EXPECT_EQ(script.find("vm.change"), std::string::npos) << script;
    EXPECT_NE(script.find("govc import.ova -options \"$(dirname \"$0\")/pg1.import-options.json\""),
              std::string::npos)
        << script;
    EXPECT_NE(script.find("vApp Options"), std::string::npos) << "how to clear them: " << script;
    EXPECT_NE(options.find("\"Value\": \"pg-secret-on-argv-1\""), std::string::npos) << options;
    EXPECT_NE(options.find("\"Key\": \"kiln.tls_key\""), std::string::npos) << options;
    EXPECT_EQ(fs::status(out / "pg1.import-options.json").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    // The cluster CA was made where no --pki-dir named one: beside the secrets (here: the
    // current folder, as the secrets came from the environment), its key private.
    EXPECT_EQ(fs::status(scratch_.path / "pg-ha.pki" / "ca.key").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
}

// The TLS values come from the cluster's PKI folder, never from the secrets file.
TEST_F(MetadataSecrets, ATlsKeyInTheSecretsFileIsNotUsed) {
    auto r =
        with_secrets(secrets_with("postgres_password: pg-secret-1\ntls_key: \"-----BEGIN "
                                  "PRIVATE KEY-----\\nHandMadeKeyBody\\n-----END PRIVATE "
                                  "KEY-----\\n\""));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(contains(r,
                         "secrets.yml:2:1: warning: 'tls_key' does not belong in the secrets "
                         "file: kiln makes it from the cluster's PKI folder (--pki-dir)"))
        << r.out;
    EXPECT_FALSE(contains(r, "HandMadeKeyBody")) << "the file's key is neither used nor shown";
    EXPECT_TRUE(contains(r, "tls_key: \"-----BEGIN PRIVATE KEY-----")) << r.out;
}
