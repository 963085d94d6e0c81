// TLS at first boot: the node's certificate, key and cluster CA are checked against each other,
// the node and the clock (each problem located at its key and transport), written with their
// owners and modes, and every rendered config speaks TLS with them; pg_hba opens only the
// cluster's subnet.
#include <gtest/gtest.h>

#include "check/checks.hpp"
#include "kiln/process.hpp"
#include "pki/authority.hpp"
#include "render/render.hpp"
#include "sources/collect.hpp"
#include "test_support.hpp"
#include "validate/validate.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;
namespace pki = kiln::pki;

namespace {

using Changes = std::map<std::string, std::string>;

// One cluster CA for the whole test program (the CA and pg-1's credentials), and another one.
const fs::path& pki_root() {
    static TempDir dir;
    return dir.path();
}

const pki::Authority& cluster_ca() {
    static pki::Authority ca = pki::load_or_create_authority(pki_root() / "pg-ha", "pg-ha");
    return ca;
}

const pki::Authority& foreign_ca() {
    static pki::Authority ca = pki::load_or_create_authority(pki_root() / "other", "other");
    return ca;
}

pki::NodeCredentials issue(const std::string& name, const std::string& address,
                           const pki::Authority& ca = cluster_ca(), pki::Validity validity = {}) {
    return pki::issue_node_certificate(ca, {name, {address, "10.0.0.100"}}, validity);
}

// pg-1's good metadata with its TLS values, then `changes`.
Changes tls_values(const Changes& changes = {}) {
    static const pki::NodeCredentials pg1 = issue("pg-1", "10.0.0.11");
    Changes values = good_values();
    values["tls_ca"] = cluster_ca().certificate_pem;
    values["tls_cert"] = pg1.certificate_pem;
    values["tls_key"] = pg1.key_pem;
    for (const auto& [k, v] : changes) values[k] = v;
    return values;
}

struct Validated {
    TempDir dir;
    RootDir root{dir.path()};
    Collection collection;
    std::optional<NodeConfig> node;
    std::string report;

    explicit Validated(const Changes& values, bool tls = true) {
        make_image_root(dir.path(),
                        {{"cluster", "pg-ha"},
                         {"vip_interface", "ens192"},
                         {"vrrp_router_id", "51"},
                         {"dcs", "etcd"}},
                        tls);
        write_file(dir / "meta.yml", document(values));
        CollectOptions options;
        options.metadata_file = dir / "meta.yml";
        collection = collect(root, options, nullptr);
        node = validate(collection, root);
        report = collection.report.format(nullptr);
    }
    bool says(const std::string& text) const { return report.find(text) != std::string::npos; }
};

struct TlsRendered : Validated {
    kiln::Accounts accounts;
    Rendering rendering;
    kiln::Report render_report;

    explicit TlsRendered(const Changes& values, bool tls = true) : Validated(values, tls) {
        if (!node) throw std::runtime_error(report);
        write_file(dir / "etc/passwd", read_file(dir / "etc/passwd") +
                                           "etcd:x:108:115:etcd:/var/lib/etcd:/usr/sbin/nologin\n");
        write_file(dir / "etc/group", read_file(dir / "etc/group") + "etcd:x:115:\n");
        accounts = load_accounts(root);
        RenderContext context{*node,
                              root,
                              accounts,
                              layout_for(node->image.os_family),
                              {"new", founder_initial_cluster(member_identity(*node)), false, {}}};
        rendering = render_all(context, render_report);
    }
    const RenderedFile& file(const std::string& path) const {
        const auto* f = rendering.find(path);
        if (!f) throw std::runtime_error("not rendered: " + path);
        return *f;
    }
    bool any_file_contains(const std::string& text) const {
        for (const auto& f : rendering.files)
            if (f.content.find(text) != std::string::npos) return true;
        return false;
    }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST(TlsValidation, AGoodNodesCertificateKeyAndCaAreAccepted) {
    Validated v(tls_values());
    ASSERT_TRUE(v.node) << v.report;
    EXPECT_TRUE(v.node->tls);
    EXPECT_EQ(v.node->tls_ca, cluster_ca().certificate_pem);
    auto secrets = v.node->secrets();
    EXPECT_NE(std::find(secrets.begin(), secrets.end(), v.node->tls_key), secrets.end())
        << "the key is hidden from every log line like the passwords";
}

TEST(TlsValidation, WithTlsOnTheThreeKeysAreRequired) {
    Changes values = tls_values();
    values.erase("tls_key");
    values.erase("tls_cert");
    Validated v(values);
    EXPECT_FALSE(v.node);
    EXPECT_TRUE(v.says("required key 'tls_key' is missing (set guestinfo.kiln.tls_key"))
        << v.report;
    EXPECT_TRUE(v.says("required key 'tls_cert' is missing")) << v.report;
    // An image with TLS off does not need them.
    values.erase("tls_ca");
    EXPECT_TRUE(Validated(values, false).node);
}

TEST(TlsValidation, EachBrokenPieceIsNamedWithItsKeyAndTransportAndTheKeyIsNeverQuoted) {
    const auto pg2 = issue("pg-2", "10.0.0.12");
    const auto stranger = issue("pg-1", "10.0.0.11", foreign_ca());
    const auto expired =
        issue("pg-1", "10.0.0.11", cluster_ca(), {.starts_in = -86400 * 3, .days = -1});
    const auto future =
        issue("pg-1", "10.0.0.11", cluster_ca(), {.starts_in = 86400 * 2, .days = 30});
    std::string garbled = tls_values()["tls_cert"];
    garbled[40] = garbled[40] == 'A' ? 'B' : 'A';
    garbled.replace(60, 4, "!!!!");
    std::string truncated_key =
        tls_values()["tls_key"].substr(0, 60) + "\n-----END PRIVATE KEY-----\n";

    const std::vector<std::pair<Changes, std::string>> cases = {
        {{{"tls_cert", garbled}},
         "'tls_cert' from metadata file: does not parse as a PEM certificate"},
        {{{"tls_key", truncated_key}},
         "'tls_key' from metadata file: does not parse as an unencrypted PEM private key"},
        {{{"tls_ca", tls_values()["tls_cert"]}},
         "'tls_ca' from metadata file: is not a certificate authority's certificate"},
        {{{"tls_key", pg2.key_pem}},
         "'tls_key' from metadata file: is not the private key of the certificate in 'tls_cert' "
         "from metadata file"},
        {{{"tls_cert", stranger.certificate_pem}, {"tls_key", stranger.key_pem}},
         "'tls_cert' from metadata file: does not chain to the CA in 'tls_ca' from metadata "
         "file: unable to get local issuer certificate"},
        {{{"tls_cert", pg2.certificate_pem}, {"tls_key", pg2.key_pem}},
         "'tls_cert' from metadata file: does not name this node's address 10.0.0.11"},
        {{{"tls_cert", pg2.certificate_pem}, {"tls_key", pg2.key_pem}},
         "'tls_cert' from metadata file: does not name this node's hostname pg-1"},
        {{{"tls_cert", expired.certificate_pem}, {"tls_key", expired.key_pem}},
         "'tls_cert' from metadata file: expired on "},
        {{{"tls_cert", future.certificate_pem}, {"tls_key", future.key_pem}},
         "'tls_cert' from metadata file: is not valid before "},
        {{{"tls_key", "not a key"}}, "'tls_key' from metadata file: is not PEM"},
    };
    for (const auto& [changes, expected] : cases) {
        Validated v(tls_values(changes));
        EXPECT_FALSE(v.node) << expected;
        EXPECT_TRUE(v.says(expected)) << "expected: " << expected << "\n" << v.report;
        EXPECT_TRUE(v.says("meta.yml:")) << "located in its file: " << v.report;
        for (const auto& [key, value] : changes)
            if (key == "tls_key") {
                EXPECT_FALSE(v.says(value.size() > 50 ? value.substr(30, 20) : value)) << v.report;
            }
        EXPECT_FALSE(v.says(tls_values()["tls_key"].substr(30, 20))) << v.report;
    }
}

TEST(TlsRender, TheCaAndEachServicesKeyAreWrittenForItsUserOnly) {
    TlsRendered r(tls_values());
    ASSERT_TRUE(r.render_report.empty()) << r.render_report.format(nullptr);
    const auto& ca = r.file("/etc/kiln/tls/ca.crt");
    EXPECT_EQ(ca.mode, 0644u);
    EXPECT_FALSE(ca.secret);
    for (const auto& [service, user] : {std::pair{"postgres", "postgres"}, {"etcd", "etcd"}}) {
        const auto& key = r.file("/etc/kiln/tls/" + std::string(service) + "/node.key");
        EXPECT_TRUE(key.secret) << service;
        EXPECT_EQ(key.mode, 0600u) << service;
        EXPECT_EQ(key.owner, user) << service;
        EXPECT_EQ(key.content, tls_values()["tls_key"]);
        EXPECT_EQ(r.file("/etc/kiln/tls/" + std::string(service) + "/node.crt").mode, 0644u);
    }
}

TEST(TlsRender, EtcdPatroniPostgresqlAndHaproxySpeakTlsWithTheNodesCertificate) {
    TlsRendered r(tls_values());
    const std::string etcd = r.file("/etc/default/etcd").content;
    for (const char* line :
         {"ETCD_LISTEN_PEER_URLS=\"https://10.0.0.11:2380\"",
          "ETCD_LISTEN_CLIENT_URLS=\"https://10.0.0.11:2379,https://127.0.0.1:2379\"",
          "ETCD_ADVERTISE_CLIENT_URLS=\"https://10.0.0.11:2379\"",
          "ETCD_INITIAL_CLUSTER=\"pg-1=https://10.0.0.11:2380\"", "ETCD_CLIENT_CERT_AUTH=\"true\"",
          "ETCD_PEER_CLIENT_CERT_AUTH=\"true\"", "ETCD_TRUSTED_CA_FILE=\"/etc/kiln/tls/ca.crt\"",
          "ETCD_PEER_TRUSTED_CA_FILE=\"/etc/kiln/tls/ca.crt\"",
          "ETCD_CERT_FILE=\"/etc/kiln/tls/etcd/node.crt\"",
          "ETCD_PEER_KEY_FILE=\"/etc/kiln/tls/etcd/node.key\""})
        EXPECT_TRUE(contains(etcd, std::string(line) + "\n")) << line << "\n" << etcd;
    EXPECT_FALSE(contains(etcd, "http://"));

    YAML::Node patroni = YAML::Load(r.file("/etc/patroni/config.yml").content);
    EXPECT_EQ(patroni["etcd3"]["protocol"].as<std::string>(), "https");
    EXPECT_EQ(patroni["etcd3"]["cacert"].as<std::string>(), "/etc/kiln/tls/ca.crt");
    EXPECT_EQ(patroni["etcd3"]["cert"].as<std::string>(), "/etc/kiln/tls/postgres/node.crt");
    EXPECT_EQ(patroni["etcd3"]["key"].as<std::string>(), "/etc/kiln/tls/postgres/node.key");
    EXPECT_EQ(patroni["restapi"]["certfile"].as<std::string>(), "/etc/kiln/tls/postgres/node.crt");
    EXPECT_EQ(patroni["restapi"]["keyfile"].as<std::string>(), "/etc/kiln/tls/postgres/node.key");
    EXPECT_EQ(patroni["restapi"]["cafile"].as<std::string>(), "/etc/kiln/tls/ca.crt");
    EXPECT_EQ(patroni["restapi"]["verify_client"].as<std::string>(), "optional");
    EXPECT_EQ(patroni["ctl"]["cacert"].as<std::string>(), "/etc/kiln/tls/ca.crt");
    auto parameters = patroni["postgresql"]["parameters"];
    EXPECT_EQ(parameters["ssl"].as<std::string>(), "on");
    EXPECT_EQ(parameters["ssl_cert_file"].as<std::string>(), "/etc/kiln/tls/postgres/node.crt");
    EXPECT_EQ(parameters["ssl_key_file"].as<std::string>(), "/etc/kiln/tls/postgres/node.key");
    for (const char* user : {"replication", "superuser", "rewind"}) {
        auto auth = patroni["postgresql"]["authentication"][user];
        EXPECT_EQ(auth["sslmode"].as<std::string>(), "verify-full") << user;
        EXPECT_EQ(auth["sslrootcert"].as<std::string>(), "/etc/kiln/tls/ca.crt") << user;
    }
    std::vector<std::string> hba;
    for (const auto& rule : patroni["bootstrap"]["pg_hba"]) hba.push_back(rule.as<std::string>());
    EXPECT_EQ(hba, (std::vector<std::string>{"local all all peer",
                                             "local replication replicator scram-sha-256",
                                             "hostssl all all 127.0.0.1/32 scram-sha-256",
                                             "hostssl all all 10.0.0.0/24 scram-sha-256",
                                             "hostssl replication replicator 10.0.0.0/24 "
                                             "scram-sha-256"}));
    EXPECT_TRUE(patroni["postgresql"]["use_unix_socket"].as<bool>());
    EXPECT_TRUE(patroni["postgresql"]["use_unix_socket_repl"].as<bool>());

    const std::string haproxy = r.file("/etc/haproxy/haproxy.cfg").content;
    EXPECT_TRUE(contains(haproxy,
                         "    server pg-2 10.0.0.12:5432 maxconn 100 check port 8008 check-ssl "
                         "verify required ca-file /etc/kiln/tls/ca.crt\n"))
        << haproxy;
    EXPECT_FALSE(r.any_file_contains("0.0.0.0/0"));
}

TEST(TlsRender, WithTlsOffPgHbaIsStillTheClusterSubnetOnly) {
    Changes values = good_values();
    TlsRendered r(values, false);
    YAML::Node patroni = YAML::Load(r.file("/etc/patroni/config.yml").content);
    EXPECT_EQ(patroni["bootstrap"]["pg_hba"][3].as<std::string>(),
              "host all all 10.0.0.0/24 scram-sha-256");
    EXPECT_FALSE(r.any_file_contains("0.0.0.0/0"));
    EXPECT_FALSE(r.rendering.find("/etc/kiln/tls/ca.crt"));
    EXPECT_TRUE(contains(r.file("/etc/default/etcd").content, "http://10.0.0.11:2380"));
    EXPECT_FALSE(patroni["postgresql"]["parameters"]["ssl"]);
}

// The checkers read the certificate files the configs name before they are committed: they
// get staged copies (haproxy -c refuses a ca-file that does not exist).
TEST(TlsRender, HaproxyAndPatroniAcceptTheRenderedTlsConfigs) {
    TlsRendered r(tls_values());
    kiln::Report report;
    auto outcomes = run_checks(r.rendering, {r.dir.path(), true, r.node->secrets()}, report);
    EXPECT_TRUE(report.empty()) << report.format(nullptr);
    for (const char* tool : {"haproxy", "patroni"}) {
        if (!kiln::find_program(tool)) continue;
        EXPECT_TRUE(std::any_of(outcomes.begin(), outcomes.end(),
                                [&](const auto& o) { return o.tool == tool && o.ran; }))
            << tool << " is installed here but did not check";
    }
    for (const auto& outcome : outcomes)
        if (outcome.ran) {
            EXPECT_TRUE(outcome.ok) << outcome.tool << ": " << outcome.note;
        }
}

// TLS for ZooKeeper and Consul is not there yet: their clusters keep the DCS as before while
// PostgreSQL, Patroni's API and haproxy's checks use TLS, and no etcd file is written.
TEST(TlsRender, ZookeeperAndConsulClustersKeepTheirDcsAndTheRestSpeaksTls) {
    const Changes consul = {{"dcs", "consul"},
                            {"consul_encrypt", "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="},
                            {"consul_token", "0b6c5a8e-2f4d-4c1a-9e7b-3d2f1a0c9b8e"}};
    for (const Changes& changes : {Changes{{"dcs", "zookeeper"}}, consul}) {
        TlsRendered r(tls_values(changes));
        const std::string dcs = changes.at("dcs");
        EXPECT_FALSE(r.render_report.has_errors()) << dcs << r.render_report.format(nullptr);
        EXPECT_FALSE(r.rendering.find("/etc/kiln/tls/etcd/node.key")) << dcs;
        EXPECT_TRUE(r.rendering.find("/etc/kiln/tls/postgres/node.key")) << dcs;
        YAML::Node patroni = YAML::Load(r.file("/etc/patroni/config.yml").content);
        EXPECT_TRUE(patroni[dcs]) << dcs;
        EXPECT_FALSE(patroni[dcs]["protocol"]) << dcs;
        EXPECT_EQ(patroni["restapi"]["certfile"].as<std::string>(),
                  "/etc/kiln/tls/postgres/node.crt");
        EXPECT_EQ(patroni["postgresql"]["parameters"]["ssl"].as<std::string>(), "on");
        EXPECT_TRUE(contains(r.file("/etc/haproxy/haproxy.cfg").content, "check-ssl verify"));
    }
}
