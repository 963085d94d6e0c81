#include <yaml-cpp/yaml.h>

#include "kiln/error.hpp"
#include "kiln/yaml_graph.hpp"
#include "render/render.hpp"
#include "render/tls_files.hpp"

namespace kiln::firstboot {

namespace {

constexpr std::string_view kBasePath = "/etc/kiln/patroni.base.yml";
// A base config is a few KiB; the image's file is never near this.
constexpr std::size_t kMaxBaseConfigBytes = 1 << 20;

// A string from node metadata (or quoted in the base): always emitted double-quoted, so that
// a password such as "true", "123" or "null" stays a string for Patroni's YAML loader.
YAML::Node text(const std::string& value) {
    YAML::Node node(value);
    node.SetTag("!");
    return node;
}

const tls_files::ServiceFiles kPostgresTls = tls_files::for_service("postgres");

YAML::Node dcs_section(const NodeConfig& n) {
    YAML::Node section;
    if (n.dcs == "etcd") {
        for (const auto& p : n.peers)
            section["hosts"].push_back(text(url_host(p.address) + ":2379"));
        if (n.tls) {
            section["protocol"] = text("https");
            section["cacert"] = text(tls_files::kCa.string());
            section["cert"] = text(kPostgresTls.certificate.string());
            section["key"] = text(kPostgresTls.key.string());
        }
    } else if (n.dcs == "zookeeper") {
        for (const auto& p : n.peers)
            section["hosts"].push_back(text(url_host(p.address) + ":2181"));
    } else {
        section["host"] = text("127.0.0.1:8500");  // the local consul agent
        section["token"] = text(n.consul_token);
    }
    return section;
}

// Emits the tree keeping every scalar's kind: quoted ones (tag "!") double-quoted, plain ones
// (numbers, booleans of the base config) as they were. The walk stops at an alias cycle and at
// the expansion limits (throws yaml::GraphError).
void emit(YAML::Emitter& out, const YAML::Node& node, yaml::GraphWalk& walk) {
    yaml::GraphWalk::Step step(walk, node);
    switch (node.Type()) {
        case YAML::NodeType::Map:
            out << YAML::BeginMap;
            for (const auto& pair : node) {
                out << YAML::Key;
                emit(out, pair.first, walk);
                out << YAML::Value;
                emit(out, pair.second, walk);
            }
            out << YAML::EndMap;
            break;
        case YAML::NodeType::Sequence:
            out << YAML::BeginSeq;
            for (const auto& item : node) emit(out, item, walk);
            out << YAML::EndSeq;
            break;
        case YAML::NodeType::Scalar:
            if (node.Tag() == "!")
                out << YAML::DoubleQuoted << node.Scalar();
            else
                out << node.Scalar();
            break;
        default:
            out << YAML::Null;
            break;
    }
}

// Every connection kind PostgreSQL takes from the cluster's subnet (never from anywhere): over
// TLS only when the cluster speaks it.
YAML::Node pg_hba(const NodeConfig& n) {
    const std::string host = n.tls ? "hostssl" : "host";
    const std::string subnet = subnet_of(n.vip);
    YAML::Node rules;
    rules.push_back(text("local all all peer"));
    // Patroni asks its own server for the timeline over a replication connection (the socket:
    // use_unix_socket_repl) when a demoted or crashed leader rejoins, before it decides on
    // pg_rewind.
    rules.push_back(text("local replication replicator scram-sha-256"));
    rules.push_back(text(host + " all all 127.0.0.1/32 scram-sha-256"));
    rules.push_back(text(host + " all all " + subnet + " scram-sha-256"));
    rules.push_back(text(host + " replication replicator " + subnet + " scram-sha-256"));
    return rules;
}

// The server side: PostgreSQL's own TLS, the REST API over HTTPS (clients may present a
// certificate; the health checks need none), and Patroni's calls to the other members' API.
void add_tls(YAML::Node& config) {
    YAML::Node parameters = config["postgresql"]["parameters"];
    parameters["ssl"] = text("on");
    parameters["ssl_cert_file"] = text(kPostgresTls.certificate.string());
    parameters["ssl_key_file"] = text(kPostgresTls.key.string());
    parameters["ssl_ca_file"] = text(tls_files::kCa.string());
    parameters["ssl_min_protocol_version"] = text("TLSv1.2");
    YAML::Node rest = config["restapi"];
    rest["certfile"] = text(kPostgresTls.certificate.string());
    rest["keyfile"] = text(kPostgresTls.key.string());
    rest["cafile"] = text(tls_files::kCa.string());
    rest["verify_client"] = text("optional");
    YAML::Node ctl = config["ctl"];
    ctl["cacert"] = text(tls_files::kCa.string());
    ctl["certfile"] = text(kPostgresTls.certificate.string());
    ctl["keyfile"] = text(kPostgresTls.key.string());
}

// A client connection of Patroni's (replication, pg_rewind, the superuser's): verify-full, as
// every member's certificate names its address.
void verify_server(YAML::Node user) {
    user["sslmode"] = text("verify-full");
    user["sslrootcert"] = text(tls_files::kCa.string());
}

// The failover timing baked into image.yml: the DCS settings Patroni writes into the DCS when it
// first initialises the cluster, and the watchdog's margin before the leader key expires.
void add_timing(YAML::Node& config, const failover::Timing& timing) {
    YAML::Node dcs = config["bootstrap"]["dcs"];
    dcs["ttl"] = timing.ttl;
    dcs["loop_wait"] = timing.loop_wait;
    dcs["retry_timeout"] = timing.retry_timeout;
    config["watchdog"]["safety_margin"] = timing.watchdog_safety_margin;
}

}  // namespace

void render_patroni(const RenderContext& c, Rendering& out, Report& report) {
    const NodeConfig& n = c.node;
    YAML::Node config;
    try {
        auto base = c.root.read(kBasePath, kMaxBaseConfigBytes, "the Patroni base config");
        if (!base) throw Error("it is missing");
        config = YAML::Load(*base);
    } catch (const std::exception& e) {
        report.error(Location{std::string(kBasePath)},
                     std::string("cannot read the baked Patroni base config: ") + e.what());
        return;
    }
    if (!config.IsMap()) {
        report.error(Location{std::string(kBasePath)},
                     "the baked Patroni base config is not a mapping");
        return;
    }
    config["scope"] = text(n.cluster);
    config["namespace"] = text("/service/");
    config["name"] = text(n.short_name);

    YAML::Node rest = config["restapi"];
    rest["listen"] = text("0.0.0.0:8008");
    rest["connect_address"] = text(url_host(n.self.address) + ":8008");
    rest["authentication"]["username"] = text("patroni");
    rest["authentication"]["password"] = text(n.rest_password);

    config[n.dcs == "etcd" ? "etcd3" : n.dcs] = dcs_section(n);

    YAML::Node pg = config["postgresql"];
    pg["listen"] = text("0.0.0.0:5432");
    pg["connect_address"] = text(url_host(n.self.address) + ":5432");
    pg["data_dir"] = text(n.image.postgres_data_dir);
    pg["bin_dir"] = text(n.image.postgres_bin_dir);
    pg["pgpass"] = text((c.layout.postgres_home / ".pgpass.patroni").string());
    pg["authentication"]["superuser"]["username"] = text("postgres");
    pg["authentication"]["superuser"]["password"] = text(n.postgres_password);
    pg["authentication"]["replication"]["username"] = text("replicator");
    pg["authentication"]["replication"]["password"] = text(n.replication_password);
    // pg_rewind runs as the superuser's credentials under a dedicated role.
    pg["authentication"]["rewind"]["username"] = text("rewind_user");
    pg["authentication"]["rewind"]["password"] = text(n.postgres_password);
    pg["pg_hba"] = pg_hba(n);
    // Patroni's own connections to its server go through the socket: no TLS handshake, which
    // under emulation outlasted the 3 s Patroni gives the timeline query of a rejoining leader
    // (minutes of retries), and no TCP for its health queries.
    pg["use_unix_socket"] = true;
    pg["use_unix_socket_repl"] = true;
    add_timing(config, n.image.failover);
    if (n.tls) {
        add_tls(config);
        for (const char* user : {"superuser", "replication", "rewind"})
            verify_server(pg["authentication"][user]);
    }
    // Patroni 3 expects bootstrap.pg_hba; the base keeps pg_hba under postgresql.
    config["bootstrap"]["pg_hba"] = pg["pg_hba"];

    YAML::Emitter emitter;
    try {
        yaml::GraphWalk walk;
        emit(emitter, config, walk);
    } catch (const yaml::GraphError& e) {
        Location where{std::string(kBasePath)};
        if (e.mark.line >= 0) where = {std::string(kBasePath), e.mark.line + 1, e.mark.column + 1};
        report.error(where, std::string("the baked Patroni base config: ") + e.what());
        return;
    }
    if (!emitter.good()) {
        report.error(Location{c.layout.patroni_config.string()},
                     "cannot emit the Patroni config: " + emitter.GetLastError());
        return;
    }
    RenderedFile file;
    file.path = c.layout.patroni_config;
    file.content = "# Written by kiln-firstboot from " + std::string(kBasePath) +
                   " and this node's metadata.\n" + std::string(emitter.c_str()) + "\n";
    file.mode = 0600;
    file.owner = file.group = c.layout.postgres_user;
    file.secret = true;
    file.checker = Checker::patroni;
    // patroni --validate-config connects to every DCS host; none runs yet at first boot, and an
    // unanswered remote connect can take minutes. Loopback refuses at once.
    for (const auto& p : n.peers)
        for (const char* port : {":2379", ":2181"})
            file.check_substitutions.emplace_back("\"" + url_host(p.address) + port + "\"",
                                                  std::string("\"127.0.0.1") + port + "\"");
    out.files.push_back(std::move(file));
}

}  // namespace kiln::firstboot
