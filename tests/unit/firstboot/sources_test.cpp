#include <gtest/gtest.h>

#include <chrono>

#include "command.hpp"
#include "enum_names_check.hpp"
#include "kiln/node_schema.hpp"
#include "render/rendered.hpp"
#include "sources/collect.hpp"
#include "sources/guestinfo.hpp"
#include "sources/guestinfo_keys.hpp"
#include "sources/ovf_env.hpp"
#include "test_support.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;

namespace {

const Value* value(const Collection& c, const std::string& key, Transport t) {
    for (const auto& v : c.metadata.all())
        if (v.key == key && v.transport == t) return &v;
    return nullptr;
}

std::string errors(const Collection& c) {
    return c.report.format(nullptr);
}

}  // namespace

TEST(GuestInfo, FollowsTheRpctoolReplyContract) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    vm.set("guestinfo.kiln.hostname", "pg-1");
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    EXPECT_EQ(gi.get("guestinfo.kiln.hostname"), "pg-1");
    EXPECT_EQ(gi.get("guestinfo.kiln.priority"), std::nullopt);  // "No value found" + exit 1
    EXPECT_TRUE(gi.usable());
    EXPECT_TRUE(gi.set("guestinfo.kiln.status", "ok"));
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
    EXPECT_EQ(vm.calls().front(), "info-get guestinfo.kiln.hostname");
}

TEST(GuestInfo, VmtoolsdCmdReadsKeysLikeRpctool) {
    TempDir dir;
    FakeVmware vm(dir / "vm", "vmtoolsd");
    vm.set("guestinfo.kiln.priority", "42");
    mark_vmware(dir / "root");
    auto gi = GuestInfo::detect(RootDir(dir / "root"));
    ASSERT_TRUE(gi);
    EXPECT_EQ(gi->tool().filename(), "vmtoolsd");
    EXPECT_EQ(gi->get("guestinfo.kiln.priority"), "42");
}

TEST(GuestInfo, FallsBackToVmtoolsdWhenRpctoolsChannelFails) {
    TempDir dir;
    FakeVmware broken(dir / "a", "vmware-rpctool", /*broken=*/true);
    FakeVmware vmtoolsd(dir / "b", "vmtoolsd");
    vmtoolsd.set("guestinfo.kiln.hostname", "pg-9");
    mark_vmware(dir / "root");
    auto gi = GuestInfo::detect(RootDir(dir / "root"));
    ASSERT_TRUE(gi);
    EXPECT_EQ(gi->tool().filename(), "vmware-rpctool");
    EXPECT_EQ(gi->get("guestinfo.kiln.hostname"), "pg-9");
    EXPECT_EQ(gi->tool().filename(), "vmtoolsd");
    EXPECT_EQ(gi->get("guestinfo.kiln.priority"), std::nullopt);
    EXPECT_TRUE(gi->usable());
    EXPECT_EQ(broken.calls().size(), 1u) << "the broken channel is asked once";
    EXPECT_TRUE(gi->set("guestinfo.kiln.status", "ok"));
    EXPECT_EQ(vmtoolsd.get("guestinfo.kiln.status"), "ok");
}

TEST(GuestInfo, MultiLineValuesKeepTheirInnerLineBreaks) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    vm.set("guestinfo.kiln.ssh_authorized_keys", kEd25519 + "\n" + kEd25519);
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    EXPECT_EQ(gi.get("guestinfo.kiln.ssh_authorized_keys"), kEd25519 + "\n" + kEd25519);
}

TEST(GuestInfo, NotVmwareMeansNoToolIsEverRun) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    fs::create_directories(dir / "root");
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(GuestInfo::detect(RootDir(dir / "root")));
    Collection c = collect(RootDir(dir / "root"), {}, nullptr);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
    EXPECT_TRUE(vm.calls().empty());
}

TEST(GuestInfo, VmwareWithoutToolsIsQuiet) {
    TempDir dir;
    mark_vmware(dir / "root");
    const char* old = std::getenv("PATH");
    std::string saved = old ? old : "";
    setenv("PATH", (dir / "empty").c_str(), 1);
    EXPECT_FALSE(GuestInfo::detect(RootDir(dir / "root")));
    setenv("PATH", saved.c_str(), 1);
}

TEST(GuestInfo, ABrokenChannelStopsAfterOneCall) {
    TempDir dir;
    FakeVmware vm(dir / "vm", "vmware-rpctool", /*broken=*/true);
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    Collection c;
    read_guestinfo_keys(gi, c);
    EXPECT_FALSE(gi.usable());
    EXPECT_EQ(vm.calls().size(), 1u);
    EXPECT_TRUE(c.metadata.all().empty());
    EXPECT_TRUE(c.report.empty()) << "no noise when the channel is absent";
}

TEST(GuestInfoKeys, ReadsEveryKeyAndSkipsEmptyAndScrubbed) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    vm.set("guestinfo.kiln.hostname", "pg-2");
    vm.set("guestinfo.kiln.priority", "");
    vm.set("guestinfo.kiln.postgres_password", "---");  // scrubbed by an earlier run
    vm.set("guestinfo.kiln.rest_password", "s3cret");
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    Collection c;
    read_guestinfo_keys(gi, c);
    ASSERT_EQ(c.metadata.all().size(), 2u);
    ASSERT_TRUE(value(c, "hostname", Transport::guestinfo));
    EXPECT_EQ(value(c, "hostname", Transport::guestinfo)->where.str(), "guestinfo.kiln.hostname");
    EXPECT_FALSE(value(c, "priority", Transport::guestinfo));
    EXPECT_FALSE(value(c, "postgres_password", Transport::guestinfo));
    EXPECT_EQ(c.guestinfo_secret_keys, std::vector<std::string>{"guestinfo.kiln.rest_password"});
    EXPECT_EQ(vm.calls().size(), kiln::node::keys().size());
}

class CloudInitEncoding : public ::testing::TestWithParam<std::string> {};

TEST_P(CloudInitEncoding, MetadataDecodesIntoNodeKeys) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    std::string doc = document({{"priority", "7"}, {"rest_password", "pw"}}, "pg-3", "i-77");
    std::string enc = GetParam();
    std::string payload = doc;
    if (enc == "base64" || enc == "b64") payload = base64(doc);
    if (enc == "gzip+base64" || enc == "gz+b64") payload = base64(gzip(doc));
    vm.set("guestinfo.metadata", payload);
    if (!enc.empty()) vm.set("guestinfo.metadata.encoding", enc);
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    Collection c;
    read_cloud_init_metadata(gi, c);
    EXPECT_FALSE(c.report.has_errors()) << errors(c);
    for (auto key : {"hostname", "instance_id", "priority", "ssh_authorized_keys"})
        ASSERT_TRUE(value(c, key, Transport::cloud_init)) << key;
    EXPECT_EQ(value(c, "hostname", Transport::cloud_init)->text, "pg-3");
    EXPECT_EQ(value(c, "instance_id", Transport::cloud_init)->text, "i-77");
    EXPECT_EQ(value(c, "priority", Transport::cloud_init)->text, "7");
    EXPECT_EQ(value(c, "ssh_authorized_keys", Transport::cloud_init)->text, kEd25519);
    EXPECT_EQ(value(c, "priority", Transport::cloud_init)->where.file, "guestinfo.metadata");
    EXPECT_GT(value(c, "priority", Transport::cloud_init)->where.line, 1);
    // A secret inside guestinfo.metadata: the document (and its encoding) get scrubbed later.
    EXPECT_EQ(c.guestinfo_secret_keys.front(), "guestinfo.metadata");
}

INSTANTIATE_TEST_SUITE_P(Encodings, CloudInitEncoding,
                         ::testing::Values("", "base64", "b64", "gzip+base64", "gz+b64"),
                         [](const auto& info) {
                             std::string n = info.param.empty() ? "plain" : info.param;
                             for (char& ch : n)
                                 if (ch == '+') ch = '_';
                             return n;
                         });

TEST(CloudInit, JsonMetadataWithNetworkV2) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    // Terraform's vsphere extra_config examples, written for cloud-init, unchanged.
    std::string json = R"({
  "instance-id": "i-json",
  "local-hostname": "pg-2",
  "public-keys": [")" + kEd25519 +
                       R"("],
  "network": {
    "version": 2,
    "ethernets": {
      "ens192": {
        "addresses": ["10.0.0.12/24"],
        "routes": [{"to": "default", "via": "10.0.0.1"}],
        "nameservers": {"addresses": ["10.0.0.2", "10.0.0.3"]}
      }
    }
  },
  "cleanup-guestinfo": ["userdata"],
  "kiln": {"priority": 90, "peers": ["pg-1=10.0.0.11", "pg-2=10.0.0.12", "pg-3=10.0.0.13"]}
})";
    vm.set("guestinfo.metadata", base64(gzip(json)));
    vm.set("guestinfo.metadata.encoding", "gzip+base64");
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    Collection c;
    read_cloud_init_metadata(gi, c);
    EXPECT_FALSE(c.report.has_errors()) << errors(c);
    EXPECT_EQ(c.report.warning_count(), 1u) << "cleanup-guestinfo is cloud-init's, not kiln's";
    for (auto key : {"interface", "address", "gateway", "dns", "priority", "peers"})
        ASSERT_TRUE(value(c, key, Transport::cloud_init)) << key;
    EXPECT_EQ(value(c, "interface", Transport::cloud_init)->text, "ens192");
    EXPECT_EQ(value(c, "address", Transport::cloud_init)->text, "10.0.0.12/24");
    EXPECT_EQ(value(c, "gateway", Transport::cloud_init)->text, "10.0.0.1");
    EXPECT_EQ(value(c, "dns", Transport::cloud_init)->text, "10.0.0.2,10.0.0.3");
    EXPECT_EQ(value(c, "priority", Transport::cloud_init)->text, "90");
    EXPECT_EQ(value(c, "peers", Transport::cloud_init)->text,
              "pg-1=10.0.0.11,pg-2=10.0.0.12,pg-3=10.0.0.13");
    EXPECT_TRUE(c.guestinfo_secret_keys.empty());
}

TEST(CloudInit, ErrorsNameTheTransport) {
    TempDir dir;
    FakeVmware vm(dir / "vm");
    vm.set("guestinfo.metadata", "a2lsbjoK");
    vm.set("guestinfo.metadata.encoding", "base32");
    GuestInfo gi(dir / "vm/bin/vmware-rpctool");
    Collection c;
    read_cloud_init_metadata(gi, c);
    EXPECT_NE(
        errors(c).find("guestinfo.metadata: error: cloud-init metadata (encoding 'base32' from "
                       "guestinfo.metadata.encoding): unknown encoding 'base32'"),
        std::string::npos)
        << errors(c);
}

TEST(OvfEnvironment, ReadsKilnPropertiesWithLines) {
    Collection c;
    read_ovf_environment("guestinfo.ovfEnv",
                         ovf_env({{"kiln.hostname", "pg-1"},
                                  {"kiln.priority", "150"},
                                  {"kiln.vip", ""},  // declared, left empty at deploy
                                  {"kiln.ssh_authorized_keys", kEd25519 + "&#10;" + kEd25519},
                                  {"kiln.postgres_password", "a&quot;b&lt;c&amp;"},
                                  {"vami.hostname", "other-product"}}),
                         c);
    EXPECT_FALSE(c.report.has_errors()) << errors(c);
    EXPECT_EQ(c.metadata.all().size(), 4u);
    for (auto key : {"hostname", "priority", "ssh_authorized_keys", "postgres_password"})
        ASSERT_TRUE(value(c, key, Transport::ovf)) << key;
    EXPECT_EQ(value(c, "hostname", Transport::ovf)->text, "pg-1");
    EXPECT_EQ(value(c, "priority", Transport::ovf)->where.str(), "guestinfo.ovfEnv:17:10");
    EXPECT_EQ(value(c, "ssh_authorized_keys", Transport::ovf)->text, kEd25519 + "\n" + kEd25519);
    EXPECT_EQ(value(c, "postgres_password", Transport::ovf)->text, "a\"b<c&");
    EXPECT_FALSE(value(c, "vip", Transport::ovf));
}

TEST(OvfEnvironment, UnknownKilnPropertyAndBrokenXmlAreErrors) {
    Collection c;
    read_ovf_environment("guestinfo.ovfEnv", ovf_env({{"kiln.prioritee", "1"}}), c);
    EXPECT_NE(errors(c).find("unknown node key 'prioritee' (OVF property 'kiln.prioritee') (did "
                             "you mean 'priority'?)"),
              std::string::npos)
        << errors(c);
    Collection broken;
    read_ovf_environment("ovf-env.xml", "<Environment><PropertySection>", broken);
    EXPECT_NE(errors(broken).find("ovf-env.xml:1:"), std::string::npos) << errors(broken);
    EXPECT_NE(errors(broken).find("not valid XML"), std::string::npos);
    Collection wrong_root;
    read_ovf_environment("ovf-env.xml", "<Envelope/>", wrong_root);
    EXPECT_NE(errors(wrong_root).find("not <Environment>"), std::string::npos);
}

TEST(OvfEnvironment, FoundOnAMountedCd) {
    TempDir root;
    write_file(root / "media/cdrom/ovf-env.xml", ovf_env({{"kiln.hostname", "pg-cd"}}));
    std::string display;
    auto xml = find_ovf_env_file(RootDir(root.path()), false, display);
    ASSERT_TRUE(xml);
    EXPECT_EQ(display, "/media/cdrom/ovf-env.xml");
    Collection c = collect(RootDir(root.path()), {}, nullptr);
    ASSERT_TRUE(value(c, "hostname", Transport::ovf));
    EXPECT_EQ(value(c, "hostname", Transport::ovf)->text, "pg-cd");
}

TEST(FwCfg, PerKeyFilesAndDocumentUnderRoot) {
    TempDir root;
    auto base = root / "sys/firmware/qemu_fw_cfg/by_name/opt/kiln";
    write_file(base / "priority/raw", "12\n");
    write_file(base / "hostname/raw", "pg-fw");
    write_file(base / "metadata/raw",
               document({{"priority", "99"}, {"cluster", "fw-doc"}}, "pg-doc"));
    Collection c = collect(RootDir(root.path()), {}, nullptr);
    EXPECT_FALSE(c.report.has_errors()) << errors(c);
    for (auto key : {"priority", "hostname", "cluster"}) ASSERT_TRUE(c.metadata.get(key)) << key;
    EXPECT_EQ(c.metadata.get("priority")->text, "12") << "a per-key file wins over the document";
    EXPECT_EQ(c.metadata.get("priority")->where.str(), "fw_cfg opt/kiln/priority");
    EXPECT_EQ(c.metadata.get("hostname")->text, "pg-fw");
    EXPECT_EQ(c.metadata.get("cluster")->text, "fw-doc");
    EXPECT_EQ(c.metadata.get("cluster")->where.file, "fw_cfg opt/kiln/metadata");
}

TEST(FwCfg, UnknownAndOversizeEntriesAreErrors) {
    TempDir root;
    auto base = root / "sys/firmware/qemu_fw_cfg/by_name/opt/kiln";
    write_file(base / "hostnme/raw", "pg-1");
    write_file(base / "peers/raw", std::string(kiln::node::kMaxValueBytes + 1, 'a'));
    Collection c = collect(RootDir(root.path()), {}, nullptr);
    EXPECT_NE(errors(c).find("fw_cfg opt/kiln/hostnme: error: unknown node key 'hostnme' (did you "
                             "mean 'hostname'?)"),
              std::string::npos)
        << errors(c);
    EXPECT_NE(errors(c).find("fw_cfg opt/kiln/peers: error: " +
                             (root / "sys/firmware/qemu_fw_cfg/"
                                     "by_name/opt/kiln/peers/raw")
                                 .string() +
                             " is larger than 65536 bytes (the limit for one node value)"),
              std::string::npos)
        << errors(c);
}

TEST(Precedence, GuestinfoThenOvfThenCloudInitThenFwCfgThenFileThenDefaults) {
    TempDir dir;
    auto root = dir / "root";
    make_image_root(root, {{"cluster", "from-defaults"}, {"vip_interface", "ens192"}});
    mark_vmware(root);
    FakeVmware vm(dir / "vm");
    // priority is set by every transport; each lower one sets one key more.
    vm.set("guestinfo.kiln.priority", "1");
    vm.set("guestinfo.ovfEnv", ovf_env({{"kiln.priority", "2"}, {"kiln.vrrp_router_id", "2"}}));
    vm.set("guestinfo.metadata",
           document({{"priority", "3"}, {"vrrp_router_id", "3"}, {"ntp_servers", "three.example"}},
                    "", ""));
    auto fw = root / "sys/firmware/qemu_fw_cfg/by_name/opt/kiln";
    write_file(fw / "priority/raw", "4");
    write_file(fw / "ntp_servers/raw", "four.example");
    write_file(fw / "zabbix_server/raw", "four.example");
    write_file(dir / "meta.yml", document({{"priority", "5"},
                                           {"zabbix_server", "five.example"},
                                           {"cluster", "from-file"},
                                           {"vip", "10.9.9.9/24"}},
                                          "", ""));
    auto gi = GuestInfo::detect(RootDir(root));
    ASSERT_TRUE(gi);
    CollectOptions options;
    options.metadata_file = dir / "meta.yml";
    Collection c = collect(RootDir(root), options, &*gi);
    EXPECT_FALSE(c.report.has_errors()) << errors(c);
    auto winner = [&](const char* key) { return c.metadata.get(key); };
    for (auto key :
         {"priority", "vrrp_router_id", "ntp_servers", "zabbix_server", "cluster", "vip_interface"})
        ASSERT_TRUE(winner(key)) << key;
    EXPECT_EQ(winner("priority")->text, "1");
    EXPECT_EQ(winner("priority")->transport, Transport::guestinfo);
    EXPECT_EQ(winner("vrrp_router_id")->text, "2");
    EXPECT_EQ(winner("vrrp_router_id")->transport, Transport::ovf);
    EXPECT_EQ(winner("ntp_servers")->text, "three.example");
    EXPECT_EQ(winner("ntp_servers")->transport, Transport::cloud_init);
    EXPECT_EQ(winner("zabbix_server")->text, "four.example");
    EXPECT_EQ(winner("zabbix_server")->transport, Transport::fw_cfg);
    EXPECT_EQ(winner("cluster")->text, "from-file");
    EXPECT_EQ(winner("cluster")->transport, Transport::file);
    EXPECT_EQ(winner("vip_interface")->text, "ens192");
    EXPECT_EQ(winner("vip_interface")->transport, Transport::defaults);
    EXPECT_EQ(winner("vip_interface")->where.file, "/etc/kiln/image.yml");
    // The digest follows the winners only.
    std::string before = c.metadata.digest();
    c.metadata.add({"priority", "200", Transport::defaults, {}});
    EXPECT_EQ(c.metadata.digest(), before);
}

TEST(EnumNames, FirstbootEnumsRoundTrip) {
    kiln::test::expect_names_round_trip(Transport::defaults);
    kiln::test::expect_names_round_trip(Checker::consul);
}

// After bring-up guestinfo.ovfEnv is written back without its secret properties (vCenter
// injects it again at every power-on, so every boot does it): passwords and the TLS key go,
// every other property and section stays.
TEST(OvfEnvScrub, TheSecretPropertiesAreDroppedAndEverythingElseKept) {
    const std::string key_pem =
        "-----BEGIN PRIVATE KEY-----&#10;MIGHAgEAkeybody&#10;-----END "
        "PRIVATE KEY-----&#10;";
    const std::string xml = ovf_env({{"kiln.hostname", "pg1"},
                                     {"kiln.postgres_password", "Hunter2-secret"},
                                     {"kiln.vrrp_password", "vrrp-pw"},
                                     {"kiln.tls_key", key_pem},
                                     {"kiln.tls_cert", "-----BEGIN CERTIFICATE-----"},
                                     {"other.product.key", "kept"}});
    auto scrubbed = without_secret_properties(xml);
    ASSERT_TRUE(scrubbed);
    for (const char* gone :
         {"Hunter2-secret", "vrrp-pw", "MIGHAgEAkeybody", "kiln.tls_key", "kiln.postgres_password"})
        EXPECT_EQ(scrubbed->find(gone), std::string::npos) << gone << "\n" << *scrubbed;
    for (const char* kept : {"oe:key=\"kiln.hostname\" oe:value=\"pg1\"", "kiln.tls_cert",
                             "oe:key=\"other.product.key\" oe:value=\"kept\"", "ve:vCenterId",
                             "<Kind>VMware ESXi</Kind>", "ve:mac=\"00:50:56:8a:1b:2c\""})
        EXPECT_NE(scrubbed->find(kept), std::string::npos) << kept << "\n" << *scrubbed;
    // What is left reads back with the same non-secret values.
    Collection c;
    read_ovf_environment("guestinfo.ovfEnv", *scrubbed, c);
    EXPECT_FALSE(c.report.has_errors()) << c.report.format(nullptr);
    ASSERT_TRUE(c.metadata.get("hostname"));
    EXPECT_EQ(c.metadata.get("hostname")->text, "pg1");
    EXPECT_FALSE(c.metadata.get("postgres_password"));

    EXPECT_FALSE(without_secret_properties(ovf_env({{"kiln.hostname", "pg1"}})))
        << "nothing to rewrite without a secret";
    EXPECT_FALSE(without_secret_properties("<not xml"));
}

TEST(OvfEnvScrub, CollectKeepsTheRewriteForASecretBearingGuestinfoOvfEnv) {
    TempDir dir;
    auto root = dir / "root";
    make_image_root(root);
    mark_vmware(root);
    FakeVmware vm(dir / "vm");
    vm.set("guestinfo.ovfEnv",
           ovf_env({{"kiln.priority", "2"}, {"kiln.rest_password", "rest-secret-9"}}));
    auto gi = GuestInfo::detect(RootDir(root));
    ASSERT_TRUE(gi);
    Collection c = collect(RootDir(root), {}, &*gi);
    ASSERT_TRUE(c.ovf_env_without_secrets);
    EXPECT_EQ(c.ovf_env_without_secrets->find("rest-secret-9"), std::string::npos);
    EXPECT_NE(c.ovf_env_without_secrets->find("kiln.priority"), std::string::npos);
}

// A configured node's later boot (vCenter injected the OVF environment again at power-on):
// kiln-firstboot writes guestinfo.ovfEnv back without the secret properties, every boot.
TEST(OvfEnvScrub, EveryBootOfAConfiguredNodeRewritesGuestinfoOvfEnv) {
    TempDir dir;
    auto root = dir / "root";
    make_image_root(root);
    mark_vmware(root);
    write_file(root / "var/lib/kiln/stamp.json",
               "{\"instance_id\": \"i-0001\", \"metadata_digest\": \"x\", \"configured_at\": "
               "\"2026-01-01T00:00:00Z\"}\n");
    FakeVmware vm(dir / "vm");
    const std::string injected = ovf_env({{"kiln.instance_id", "i-0001"},
                                          {"kiln.hostname", "pg-1"},
                                          {"kiln.replication_password", "Repl-secret-77"}});
    for (int boot = 1; boot <= 2; ++boot) {
        vm.set("guestinfo.ovfEnv", injected);  // as vCenter does at each power-on
        kiln_test::CommandOptions options;
        options.timeout = std::chrono::seconds(30);
        auto r = kiln_test::run_command(
            {KILN_BINARY_DIR "/firstboot/kiln-firstboot", "--root", root.string(), "--bus",
             "unix:path=" + (dir / "no-bus").string()},  // a node without a data disk needs none
            options);
        EXPECT_EQ(r.exit_code, 0) << r.out;
        std::string now = vm.get("guestinfo.ovfEnv");
        EXPECT_EQ(now.find("Repl-secret-77"), std::string::npos) << "boot " << boot << ": " << now;
        EXPECT_NE(now.find("oe:key=\"kiln.hostname\" oe:value=\"pg-1\""), std::string::npos) << now;
        EXPECT_EQ(r.out.find("Repl-secret-77"), std::string::npos) << r.out;
    }
}
