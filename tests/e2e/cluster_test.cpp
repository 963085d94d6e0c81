// The product's promise, end to end: the bundled default image, three clones started by
// `kiln run` with nothing but their metadata, and a working HA PostgreSQL cluster, checked from
// outside the VMs, including a leader crash under synchronous replication.
#include "cluster.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <set>

#include "cluster_files.hpp"
#include "kiln/sha256.hpp"
#include "leader_crash.hpp"
#include "leader_pause.hpp"
#include "row_writer.hpp"
#include "timeline.hpp"

namespace fs = std::filesystem;
using namespace kiln_e2e;
using namespace std::chrono_literals;

namespace {

fs::path image_under_test() {
    if (const char* image = std::getenv("KILN_E2E_IMAGE"); image && *image) return image;
    return KILN_TEST_IMAGE;
}

struct Shared {
    kiln_test::Scratch scratch{"e2e"};
    fs::path state = scratch.path / "state";
    ClusterFiles files{.dir = scratch.path};
    // The secrets plus a canary the scan must find where the test plants it, proving it looks.
    std::string canary = "kiln-e2e-canary-" + random_secret(12);
    fs::path scan_patterns = scratch.path / "scan-patterns";
    std::string image_digest;
    Cluster cluster{files.key, files.pgpass, kAdmin};
    CommandResult up;
    double writable_seconds = -1;
    bool healthy = false;
    std::map<std::string, bool> waited;  // node -> it published "waiting for quorum (...)"
    bool still_waiting_after_alone = false;
    fs::path pki_dir;                    // the cluster CA kiln run made
    std::vector<std::string> key_lines;  // base64 lines of every node's key and the CA's key
    fs::path key_patterns = scratch.path / "key-patterns";  // those lines, grep -F patterns
    std::map<std::string, Clock::time_point> powered_on;
};

// How long the first clone runs alone: past systemd's default start timeout (90 s).
constexpr auto kAlone = 150s;
Shared* shared = nullptr;

bool cluster_healthy() {
    return shared->cluster.healthy();
}

fs::path image_b_under_test() {
    if (const char* image = std::getenv("KILN_E2E_IMAGE_B"); image && *image) return image;
    return KILN_TEST_IMAGE_B;
}

// A lifecycle command waits for nodes to boot under TCG: minutes each.
CommandOptions long_command() {
    CommandOptions options;
    options.timeout = std::chrono::minutes(60);
    return options;
}

std::string system_identifier() {
    auto r = shared->cluster.psql_vip("select system_identifier from pg_control_system()");
    return r.exit_code == 0 ? r.out : "";
}

// Members etcd calls healthy, asked of the first node that answers.
int healthy_etcd_members() {
    for (const auto& n : shared->cluster.nodes()) {
        auto health = shared->cluster.etcdctl(n, "endpoint health --cluster -w json");
        if (health.exit_code != 0) continue;
        int healthy = 0;
        for (const auto& e : nlohmann::json::parse(health.out, nullptr, false))
            healthy += e.value("health", false);
        return healthy;
    }
    return 0;
}

// The node's own copy of kiln_e2e reaches `rows` rows (it replays from the leader).
bool node_has_rows(const Node& node, std::size_t rows) {
    auto count = [&] {
        return shared->cluster.ssh(node,
                                   "sudo -u postgres psql -X -At -c "
                                   "'select count(*) from kiln_e2e'");
    };
    bool caught_up = wait_until([&] { return count().out == std::to_string(rows) + "\n"; }, 3min);
    EXPECT_TRUE(caught_up) << count().out << " rows on " << node.name << ", " << rows
                           << " acknowledged";
    return caught_up;
}

// Lines of a private key's base64 body that are the key's own: the first body line of a PKCS#8
// EC key starts with the same algorithm prefix in every key, so only the later ones count.
std::vector<std::string> own_key_lines(const std::string& pem, const std::string& line_break) {
    std::vector<std::string> lines;
    std::size_t start = pem.find("-----BEGIN PRIVATE KEY-----");
    std::size_t end = pem.find("-----END PRIVATE KEY-----");
    if (start == std::string::npos || end == std::string::npos) return lines;
    std::string body = pem.substr(start, end - start);
    for (std::size_t at = 0, n = 0; at < body.size(); ++n) {
        std::size_t next = body.find(line_break, at);
        if (next == std::string::npos) next = body.size();
        std::string line = body.substr(at, next - at);
        if (n >= 2 && line.size() >= 24) lines.push_back(line);
        at = next + line_break.size();
    }
    return lines;
}

// The private keys join the secrets the scans look for: the CA's (ca.key in the PKI folder)
// and each node's (its metadata document, where the PEM's line breaks are YAML escapes).
void add_private_key_patterns(const nlohmann::json& up) {
    shared->pki_dir = up.value("pki_dir", std::string());
    auto add = [](std::vector<std::string> lines) {
        shared->key_lines.insert(shared->key_lines.end(), lines.begin(), lines.end());
    };
    add(own_key_lines(kiln_test::read_text(shared->pki_dir / "ca.key"), "\n"));
    for (const auto& n : up.at("nodes"))
        add(own_key_lines(kiln_test::read_text(shared->state /
                                               (n.at("name").get<std::string>() + ".metadata.yml")),
                          "\\n"));
    std::string patterns;
    for (const auto& line : shared->key_lines) patterns += line + "\n";
    std::ofstream(shared->files.secret_list, std::ios::app) << patterns;
    std::ofstream(shared->scan_patterns, std::ios::app) << patterns;
    write_private(shared->key_patterns, patterns);
}

class Cluster3 : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        shared = new Shared;
        ASSERT_EQ(shared->files.write(), "");
        write_private(shared->scan_patterns,
                      kiln_test::read_text(shared->files.secret_list) + shared->canary + "\n");

        fs::path image = image_under_test();
        ASSERT_TRUE(fs::exists(image)) << image << " (built by the image fixture test)";
        shared->image_digest = kiln::sha256_file_hex(image);

        // Clones powered on one at a time, as vSphere clones them: pg3 first and alone for
        // longer than systemd's default start timeout (90 s; while a member waits for its
        // cluster no timer runs at all), pg2 once pg3 has waited, and pg1 last: the first peer,
        // which founds the etcd cluster the others wait for, so both of them must wait.
        shared->up = run_command(
            {kKiln, "run", image.string(), "--inventory", shared->files.inventory.string(),
             "--secrets", shared->files.secrets_file.string(), "--state-dir",
             shared->state.string(), "--defer", "pg1", "--defer", "pg2", "--json"});
        ASSERT_EQ(shared->up.exit_code, 0) << shared->up.out;
        shared->cluster.adopt(nlohmann::json::parse(shared->up.out));
        add_private_key_patterns(nlohmann::json::parse(shared->up.out));
        auto pg3_on = Clock::now();
        shared->powered_on = {{"pg3", pg3_on}, {"pg1", pg3_on}, {"pg2", pg3_on}};
        shared->waited["pg3"] = wait_until([] { return waiting_for_quorum("pg3"); }, 15min);
        ASSERT_TRUE(shared->waited["pg3"]) << "pg3 alone never reported waiting for its quorum";
        std::this_thread::sleep_until(pg3_on + kAlone);
        shared->still_waiting_after_alone = waiting_for_quorum("pg3");
        std::cout << "e2e: pg3 alone, waiting for quorum, for "
                  << static_cast<int>(seconds_since(pg3_on)) << " s" << std::endl;

        start_node("pg2");
        shared->powered_on["pg2"] = Clock::now();
        shared->waited["pg2"] = wait_until([] { return waiting_for_quorum("pg2"); }, 15min);
        ASSERT_TRUE(shared->waited["pg2"]) << "pg2 never reported waiting for its quorum";

        start_node("pg1");
        auto pg1_on = Clock::now();
        shared->powered_on["pg1"] = pg1_on;
        bool writable = wait_until(
            [] {
                return shared->cluster
                           .psql_vip(
                               "create table if not exists kiln_e2e "
                               "(id integer primary key, at timestamptz default now())")
                           .exit_code == 0;
            },
            25min);
        ASSERT_TRUE(writable) << "the VIP never took a write";
        shared->writable_seconds = seconds_since(pg1_on);
        std::cout << "e2e: last node (pg1, the founder) power-on -> cluster writable through the "
                     "VIP: "
                  << static_cast<int>(shared->writable_seconds) << " s" << std::endl;
        ::testing::Test::RecordProperty("power_on_to_writable_s",
                                        static_cast<int>(shared->writable_seconds));
        shared->healthy = wait_until(cluster_healthy, 15min);
        std::cout << "e2e: last node power-on -> all nodes ok, two streaming replicas: "
                  << static_cast<int>(seconds_since(pg1_on)) << " s" << std::endl;
        std::cout << "e2e: delayed start: pg3 power-on -> healthy: "
                  << static_cast<int>(seconds_since(pg3_on)) << " s" << std::endl;
        for (const auto& n : shared->cluster.nodes())
            std::cout << node_timeline(shared->cluster, n, shared->powered_on[n.name]);
    }

    static void start_node(const std::string& name) {
        auto r =
            run_command({kKiln, "run", "--start", name, "--state-dir", shared->state.string()});
        ASSERT_EQ(r.exit_code, 0) << r.out;
    }

    // status.json says the node waits for its DCS quorum (read over SSH: first boot lets sshd
    // start before it waits).
    static bool waiting_for_quorum(const std::string& name) {
        auto r = shared->cluster.ssh(shared->cluster.node(name), "sudo cat /run/kiln/status.json",
                                     "", 30);
        if (r.exit_code != 0) return false;
        try {
            auto json = nlohmann::json::parse(r.out);
            return json.value("status", "") == "waiting" &&
                   json.value("message", "").starts_with("waiting for quorum (");
        } catch (const std::exception&) {
            return false;
        }
    }

    static void TearDownTestSuite() {
        if (something_failed()) dump_diagnostics();
        if (!std::getenv("KILN_TEST_KEEP"))
            run_command({kKiln, "run", "--down", "--state-dir", shared->state.string()});
        delete shared;
        shared = nullptr;
    }

    static void dump_diagnostics() {
        for (const auto& n : shared->cluster.nodes()) {
            auto r = shared->cluster.ssh(
                n,
                "hostname; sudo cat /run/kiln/status.json; systemctl --failed --no-legend; "
                "sudo journalctl -b --no-pager -u kiln-firstboot -u etcd -u patroni | tail -40");
            std::cout << "---- " << n.name << " ----\n" << r.out << std::endl;
        }
    }

    void SetUp() override {
        ASSERT_NE(shared, nullptr);
        ASSERT_TRUE(shared->healthy) << "the cluster never became healthy; see the dump below";
    }
};

TEST_F(Cluster3, EveryNodeHasItsHostnameAndStatusOk) {
    for (const auto& n : shared->cluster.nodes()) {
        auto hostname = shared->cluster.ssh(n, "hostname");
        EXPECT_EQ(hostname.out, n.name + "\n");
        auto status = shared->cluster.ssh(n, "sudo cat /run/kiln/status.json");
        ASSERT_EQ(status.exit_code, 0) << status.out;
        auto json = nlohmann::json::parse(status.out);
        EXPECT_EQ(json["status"], "ok") << n.name << ": " << status.out;
        // Debian 12's Patroni 3.0.2 runs through kiln-patroni, which mends its leader renewal
        // (tests/unit/overlays/kiln_patroni_test.cpp shows the defect and the mend).
        auto mended = shared->cluster.ssh(
            n,
            "sudo journalctl -b --no-pager -o cat -u patroni | grep -c 'renewal mended for etcd3'");
        EXPECT_NE(mended.out, "0\n") << n.name << ": Patroni did not start through kiln-patroni";
        EXPECT_EQ(mended.exit_code, 0) << n.name << ": " << mended.out;
    }
}

TEST_F(Cluster3, EtcdHasThreeHealthyMembersAndPatroniOneLeaderTwoStreamingReplicas) {
    const auto& first = shared->cluster.nodes().front();
    auto health = shared->cluster.etcdctl(first, "endpoint health --cluster -w json");
    ASSERT_EQ(health.exit_code, 0) << health.out;
    auto endpoints = nlohmann::json::parse(health.out);
    ASSERT_EQ(endpoints.size(), 3u) << health.out;
    for (const auto& e : endpoints) EXPECT_TRUE(e.value("health", false)) << e.dump();

    auto members = shared->cluster.patroni_members(first);
    ASSERT_EQ(members.size(), 3u);
    int leaders = 0, replicas = 0;
    for (const auto& [name, m] : members) {
        std::string role = m.value("Role", "");
        if (role == "Leader") ++leaders;
        if (role == "Replica" || role == "Sync Standby") ++replicas;
    }
    EXPECT_EQ(leaders, 1);
    EXPECT_EQ(replicas, 2);
    auto streaming = shared->cluster.psql_vip(
        "select count(*), count(*) filter (where sync_state = 'sync') from pg_stat_replication "
        "where state = 'streaming'");
    EXPECT_EQ(streaming.out, "2|1\n") << "streaming replicas | synchronous ones";
}

TEST_F(Cluster3, HaproxyOnEveryNodeRoutesToTheLeaderAndAReplicaAndTheVipTakesWrites) {
    std::string leader = shared->cluster.leader();
    ASSERT_FALSE(leader.empty());
    const std::string leader_address = shared->cluster.node(leader).address;
    auto through = [](const Node& n, int port) {
        return shared->cluster.ssh(
            n,
            "read -r PGPASSWORD; export PGPASSWORD; psql -X -At \"host=127.0.0.1 port=" +
                std::to_string(port) +
                " user=postgres dbname=postgres\" -c 'select inet_server_addr(), "
                "pg_is_in_recovery()'",
            shared->files.postgres_password.string());
    };
    for (const auto& n : shared->cluster.nodes()) {
        auto primary = through(n, 5000);
        EXPECT_EQ(primary.out, leader_address + "|f\n") << n.name << " :5000";
        auto replica = through(n, 5001);
        EXPECT_NE(replica.out.find("|t\n"), std::string::npos)
            << n.name << " :5001 " << replica.out;
        EXPECT_EQ(replica.out.find(leader_address + "|"), std::string::npos) << n.name;
    }
    auto write = shared->cluster.psql_vip("insert into kiln_e2e (id) values (0) returning id");
    EXPECT_EQ(write.out, "0\nINSERT 0 1\n") << write.out;
    auto read_only = shared->cluster.psql_vip("select pg_is_in_recovery()", false);
    EXPECT_EQ(read_only.out, "t\n");
}

// ---- TLS (issue 16): the cluster trusts only its own members, on every path. ----

TEST_F(Cluster3, PlaintextPostgresqlIsRefusedOnEveryNodeAndTheVip) {
    auto plain = shared->cluster.psql_vip("select 1", true, 30, "sslmode=disable");
    EXPECT_NE(plain.exit_code, 0) << "the VIP took a plaintext login: " << plain.out;
    EXPECT_NE(plain.out.find("no encryption"), std::string::npos) << plain.out;
    auto encrypted = shared->cluster.psql_vip(
        "select ssl from pg_stat_ssl where pid = "
        "pg_backend_pid()");
    EXPECT_EQ(encrypted.out, "t\n") << "the default (sslmode=prefer) login is encrypted";
    for (const auto& n : shared->cluster.nodes()) {
        for (const auto& target : {n.address + " port=5432", std::string("127.0.0.1 port=5000")}) {
            auto r = shared->cluster.ssh(
                n,
                "read -r PGPASSWORD; export PGPASSWORD; psql -X -At \"host=" + target +
                    " user=postgres dbname=postgres sslmode=disable connect_timeout=5\" -c "
                    "'select 1' 2>&1",
                shared->files.postgres_password.string());
            EXPECT_NE(r.out.find("no encryption"), std::string::npos)
                << n.name << " " << target << ": " << r.out;
            EXPECT_EQ(r.out.find("\n1\n"), std::string::npos) << r.out;
        }
    }
}

TEST_F(Cluster3, ReplicationIsEncrypted) {
    auto r = shared->cluster.psql_vip(
        "select count(*) filter (where s.ssl), count(*) from pg_stat_replication r "
        "join pg_stat_ssl s using (pid)");
    EXPECT_EQ(r.out, "2|2\n") << "replication connections over TLS | all of them";
}

TEST_F(Cluster3, PatroniAnswersOnlyHttpsWithTheClusterCertificate) {
    for (const auto& n : shared->cluster.nodes()) {
        auto plain = shared->cluster.ssh(n, "curl -sS -m 5 -o /dev/null -w '%{http_code}' http://" +
                                                n.address + ":8008/health; echo \" exit=$?\"");
        EXPECT_EQ(plain.out.find("200"), std::string::npos) << n.name << ": " << plain.out;
        EXPECT_EQ(plain.out.find(" exit=0"), std::string::npos) << n.name << ": " << plain.out;
        auto verified = shared->cluster.ssh(
            n,
            "curl -sS -m 5 -o /dev/null -w '%{http_code}' --cacert /etc/kiln/tls/ca.crt "
            "https://" +
                n.address + ":8008/health");
        EXPECT_EQ(verified.out, "200") << n.name << ": " << verified.out;
    }
}

// haproxy's checks reach Patroni over verified TLS: each server's last check is a layer-7
// answer (L7OK on the leader / replicas, L7STS where Patroni says 503), never a TLS or
// connection failure (L6*, L4*) that would leave a backend down, nor a check that skipped TLS.
TEST_F(Cluster3, HaproxyChecksPatroniOverVerifiedTls) {
    for (const auto& n : shared->cluster.nodes()) {
        auto csv = shared->cluster.ssh(n, "curl -sS -m 5 'http://127.0.0.1:7000/;csv'");
        ASSERT_EQ(csv.exit_code, 0) << n.name << ": " << csv.out;
        EXPECT_NE(csv.out.find("L7OK"), std::string::npos) << n.name << ": " << csv.out;
        for (const char* failure : {"L6OK", "L6TOUT", "L6RSP", "L4TOUT", "L4CON", "SOCKERR"})
            EXPECT_EQ(csv.out.find(failure), std::string::npos)
                << n.name << " " << failure << ": " << csv.out;
    }
}

// The checks fail closed: a second haproxy on one node, running the node's own configuration on
// other ports, marks every member down once its ca-file is a foreign CA, and up again with the
// cluster's. A check that did not verify (`verify none`, or plain HTTP) would stay up with both.
TEST_F(Cluster3, HaproxyChecksFailClosedWithAForeignCa) {
    const auto& n = shared->cluster.nodes().front();
    auto second_haproxy = [&](const std::string& ca) {
        return shared->cluster.ssh(
            n, "sudo sh -c 'cd /run && sed -e \"s#/etc/kiln/tls/ca.crt#" + ca +
                   "#\" -e s/:7000/:17000/ -e s/:5000/:15000/ -e s/:5001/:15001/ "
                   "/etc/haproxy/haproxy.cfg > kiln-e2e-haproxy.cfg && "
                   "haproxy -c -q -f kiln-e2e-haproxy.cfg && "
                   "haproxy -D -p kiln-e2e-haproxy.pid -f kiln-e2e-haproxy.cfg && "
                   "for i in $(seq 30); do sleep 2; "
                   "curl -sS -m 5 \"http://127.0.0.1:17000/;csv\" > kiln-e2e-haproxy.csv; "
                   "grep -qE \",(L7OK|L7STS|L6RSP|L4CON|L4TOUT|L6TOUT)\" kiln-e2e-haproxy.csv && "
                   "! grep -qE \",INI\" kiln-e2e-haproxy.csv && break; done; sleep 8; "
                   "curl -sS -m 5 \"http://127.0.0.1:17000/;csv\"; "
                   "kill $(cat kiln-e2e-haproxy.pid); rm -f kiln-e2e-haproxy.*'");
    };
    auto made = shared->cluster.ssh(
        n,
        "cd /tmp && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout foreign-ca.key -out foreign-ca.crt -subj /CN=foreign-ca -days 1 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.out;

    auto foreign = second_haproxy("/tmp/foreign-ca.crt");
    ASSERT_EQ(foreign.exit_code, 0) << foreign.out;
    for (const auto& member : shared->cluster.nodes()) {
        // Every line of a member's server: DOWN after an SSL handshake failure.
        std::istringstream lines(foreign.out);
        int seen = 0;
        for (std::string line; std::getline(lines, line);) {
            if (line.find("," + member.name + ",") == std::string::npos) continue;
            ++seen;
            EXPECT_NE(line.find(",DOWN,"), std::string::npos) << line;
            EXPECT_NE(line.find("L6RSP"), std::string::npos) << line;
        }
        EXPECT_EQ(seen, 2) << member.name << " in both backends:\n" << foreign.out;
    }

    auto own = second_haproxy("/etc/kiln/tls/ca.crt");
    ASSERT_EQ(own.exit_code, 0) << own.out;
    EXPECT_NE(own.out.find(",UP,"), std::string::npos) << "with the cluster CA:\n" << own.out;
    EXPECT_EQ(own.out.find("L6RSP"), std::string::npos) << own.out;
}

TEST_F(Cluster3, EtcdRefusesClientsWithoutACertificateOfTheClusterCa) {
    const auto& n = shared->cluster.nodes().front();
    auto with_ca_only =
        shared->cluster.etcdctl(n, "endpoint health -w json", "--cacert=/etc/kiln/tls/ca.crt");
    EXPECT_NE(with_ca_only.exit_code, 0) << with_ca_only.out;
    // A client certificate of another CA, made on the node.
    auto made = shared->cluster.ssh(
        n,
        "cd /tmp && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout foreign.key -out foreign.crt -subj /CN=intruder -days 1 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.out;
    auto foreign = shared->cluster.etcdctl(
        n, "endpoint health -w json",
        "--cacert=/etc/kiln/tls/ca.crt --cert=/tmp/foreign.crt --key=/tmp/foreign.key");
    EXPECT_NE(foreign.exit_code, 0) << foreign.out;
    auto plain = shared->cluster.ssh(n, "ETCDCTL_API=3 etcdctl --endpoints=http://" + n.address +
                                            ":2379 --dial-timeout=5s endpoint health");
    EXPECT_NE(plain.exit_code, 0) << plain.out;
    EXPECT_EQ(shared->cluster.etcdctl(n, "endpoint health -w json").exit_code, 0)
        << "the member's own certificate is accepted";
}

// One scan of each VM serves both tests below (each is minutes of grep under TCG): every file
// anyone but its owner's user may read that changed since boot (where a secret written by first
// boot would be) is searched for the secrets, the private keys' lines and a canary. A file with a
// key line is reported as KEY:path; a file with another secret as its path when the world may
// read it (passwords in 0640 files of their service's group are fine). Then the whole journal
// with every field, /var/log, PostgreSQL's own logs, every process's argv, and the fw_cfg
// metadata file's mode, LEAK:where for those. The patterns arrive on stdin (the key lines, a
// separator, every pattern) into 0600 files on paths the scan skips.
struct NodeScan {
    CommandResult planted;  // the canary in a world-readable file and in the journal
    CommandResult found;
};

const std::vector<NodeScan>& scans_of_every_node() {
    static std::vector<NodeScan> scans;
    if (!scans.empty()) return scans;
    const std::string scan =
        "sudo sh -c 'umask 077; k=/run/kiln-e2e-keys; p=/run/kiln-e2e-patterns; "
        "awk -v k=$k -v p=$p \"/^KILN-E2E-SPLIT\\$/ { all = 1; next } "
        "{ print > (all ? p : k) }\"; "
        "since=$(( $(cut -d. -f1 /proc/uptime) / 60 + 2 )); "
        "find / \\( -path /proc -o -path /sys -o -path /dev -o -path $k -o -path $p \\) "
        "-prune -o -type f -perm /044 -cmin -$since -print0 | xargs -0 -r grep -lF -f $p | "
        "while IFS= read -r f; do if grep -qF -f $k \"$f\"; then echo \"KEY:$f\"; "
        "elif [ -n \"$(find \"$f\" -maxdepth 0 -perm -o=r)\" ]; then echo \"$f\"; fi; done; "
        "journalctl -b -o verbose --no-pager | grep -qF -f $p && echo LEAK:journal; "
        "grep -rlF --exclude-dir=journal -f $p /var/log /var/lib/postgresql/*/main/log "
        "2>/dev/null; "
        "ps -eo args | grep -F -f $p | grep -v grep && echo LEAK:argv; "
        "m=$(stat -c %a /sys/firmware/qemu_fw_cfg/by_name/opt/kiln/metadata/raw); "
        "case $m in *[4567]) echo LEAK:fw_cfg-mode-$m;; esac; "
        "rm -f $k $p; echo SCANNED'";
    fs::path patterns = shared->scratch.path / "scan-input";
    write_private(patterns, kiln_test::read_text(shared->key_patterns) + "KILN-E2E-SPLIT\n" +
                                kiln_test::read_text(shared->scan_patterns));
    std::vector<std::future<NodeScan>> running;
    for (const auto& n : shared->cluster.nodes())
        running.push_back(std::async(std::launch::async, [&scan, &patterns, n] {
            NodeScan result;
            result.planted = shared->cluster.ssh(
                n, "echo " + shared->canary +
                       " > /var/tmp/kiln-e2e-canary; chmod 644 /var/tmp/kiln-e2e-canary; logger " +
                       shared->canary);
            result.found = shared->cluster.ssh(n, scan, patterns.string(), 900);
            return result;
        }));
    for (auto& r : running) scans.push_back(r.get());
    return scans;
}

TEST_F(Cluster3, EveryPrivateKeyIsReadableOnlyByItsService) {
    ASSERT_FALSE(shared->key_lines.empty());
    const auto& scans = scans_of_every_node();
    for (std::size_t i = 0; i < scans.size(); ++i) {
        const Node& n = shared->cluster.nodes()[i];
        auto modes = shared->cluster.ssh(
            n,
            "sudo stat -c '%n %a %U' /etc/kiln/tls/ca.crt /etc/kiln/tls/postgres/node.key "
            "/etc/kiln/tls/etcd/node.key");
        EXPECT_EQ(modes.out,
                  "/etc/kiln/tls/ca.crt 644 root\n/etc/kiln/tls/postgres/node.key 600 postgres\n"
                  "/etc/kiln/tls/etcd/node.key 600 etcd\n")
            << n.name;
        // Any file anyone but its owner may read, holding a line of a key: none (only files
        // changed since boot can: the image never held a key).
        EXPECT_NE(scans[i].found.out.find("SCANNED\n"), std::string::npos)
            << n.name << ": the scan did not finish\n"
            << scans[i].found.out;
        EXPECT_EQ(scans[i].found.out.find("KEY:"), std::string::npos)
            << n.name << ": a key is readable\n"
            << scans[i].found.out;
    }
}

TEST_F(Cluster3, NodesAreDistinctAndNoSecretLeaks) {
    std::set<std::string> machine_ids, host_keys;
    for (const auto& n : shared->cluster.nodes()) {
        auto id = shared->cluster.ssh(n, "cat /etc/machine-id");
        EXPECT_EQ(id.out.size(), 33u) << id.out;
        machine_ids.insert(id.out);
        auto key = shared->cluster.ssh(n, "cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub");
        EXPECT_GT(key.out.size(), 40u) << key.out;
        host_keys.insert(key.out);
    }
    EXPECT_EQ(machine_ids.size(), 3u);
    EXPECT_EQ(host_keys.size(), 3u);

    const auto& scans = scans_of_every_node();
    for (std::size_t i = 0; i < scans.size(); ++i) {
        const std::string& name = shared->cluster.nodes()[i].name;
        EXPECT_EQ(scans[i].planted.exit_code, 0) << name << ": " << scans[i].planted.out;
        EXPECT_EQ(scans[i].found.out, "/var/tmp/kiln-e2e-canary\nLEAK:journal\nSCANNED\n")
            << name << ": only the planted canary may be found, in its file and the journal\n"
            << scans[i].found.out;
    }
    // On the host: the image (never written by kiln run) and the serial consoles.
    auto image = run_command({"grep", "-c", "-aF", "-f", shared->files.secret_list.string(),
                              image_under_test().string()});
    EXPECT_EQ(image.out, "0\n") << "a secret is in the image";
    std::vector<std::string> grep_consoles = {"grep", "-lF", "-f",
                                              shared->files.secret_list.string()};
    for (const auto& entry : fs::directory_iterator(shared->state))
        if (entry.path().filename().string().ends_with(".console.log"))
            grep_consoles.push_back(entry.path().string());
    ASSERT_GT(grep_consoles.size(), 4u) << "no serial console log in " << shared->state;
    auto consoles = run_command(grep_consoles);
    EXPECT_EQ(consoles.out, "") << "a secret reached a serial console";
    EXPECT_EQ(kiln::sha256_file_hex(image_under_test()), shared->image_digest);
}

TEST_F(Cluster3, ClonesPoweredOnApartEachWaitedForItsQuorumThenCameUp) {
    EXPECT_TRUE(shared->waited["pg3"]);
    EXPECT_TRUE(shared->still_waiting_after_alone)
        << "pg3 stopped waiting (failed or rolled back) after " << kAlone.count() << " s alone";
    EXPECT_TRUE(shared->waited["pg2"]);
    for (const auto& n : shared->cluster.nodes()) {
        auto failed = shared->cluster.ssh(n, "systemctl --failed --no-legend --plain");
        EXPECT_EQ(failed.out, "") << n.name << " has failed units";
    }
}

// Numbered rows go in through the VIP, one transaction each, while the leader VM is killed.
// Every row whose commit was acknowledged must survive on the new leader (synchronous_mode) and
// writes must resume. The dead node's data disk is lost with it: booted again with a blank one,
// it formats it, rejoins etcd through the membership API and Patroni rebuilds it from the new
// leader. (A leader that comes back with its old data, rewound, is the long stall's test.)
TEST_F(Cluster3, LeaderCrashLosesNoAcknowledgedWriteAndTheDeadNodeRejoinsWithABlankDataDisk) {
    auto members = shared->cluster.patroni_members(shared->cluster.nodes().front());
    bool sync_standby = false;
    for (const auto& [name, m] : members) sync_standby |= m.value("Role", "") == "Sync Standby";
    ASSERT_TRUE(sync_standby) << "synchronous_mode is not on";
    ASSERT_EQ(shared->cluster.psql_vip("truncate kiln_e2e").exit_code, 0);
    LeaderCrash crash = crash_the_leader_under_writes(shared->cluster, shared->state, "kiln_e2e");
    ASSERT_GE(crash.seconds, 0);
    ::testing::Test::RecordProperty("kill_to_writable_s", static_cast<int>(crash.seconds));
    const std::string& old_leader = crash.old_leader;

    auto restarted = Clock::now();
    auto wipe = run_command(
        {kKiln, "run", "--wipe-data", old_leader, "--state-dir", shared->state.string(), "--json"},
        long_command());
    ASSERT_EQ(wipe.exit_code, 0) << wipe.out;
    std::cout << "e2e: " << old_leader << " booted again with a blank data disk -> streaming "
              << "replica: " << static_cast<int>(seconds_since(restarted)) << " s" << std::endl;
    EXPECT_TRUE(wait_until(cluster_healthy, 10min)) << "not 1 leader + 2 streaming replicas";
    // Every row the leader has (the acknowledged ones and a commit whose answer the kill cut).
    auto count = shared->cluster.psql_vip("select count(*) from kiln_e2e");
    ASSERT_EQ(count.exit_code, 0) << count.out;
    const std::size_t rows = std::stoul(count.out);
    EXPECT_GE(rows, crash.acknowledged.size());
    EXPECT_TRUE(node_has_rows(shared->cluster.node(old_leader), rows));
    EXPECT_EQ(healthy_etcd_members(), 3);
}

// ---- Failover on purpose (issue 18): a stalled leader, on either side of the watchdog. ----

// The table the pause tests write to, empty; the leader, the image's timing, and the writes
// flowing through the VIP. Returns false (with gtest failures) when any is missing.
bool ready_to_pause(const std::string& table, std::string& leader, FailoverTiming& timing) {
    EXPECT_EQ(shared->cluster
                  .psql_vip("create table if not exists " + table +
                            " (id integer primary key, at timestamptz default now())")
                  .exit_code,
              0);
    EXPECT_EQ(shared->cluster.psql_vip("truncate " + table).exit_code, 0);
    leader = shared->cluster.leader();
    EXPECT_FALSE(leader.empty()) << "no leader";
    if (leader.empty()) return false;
    timing = failover_timing(shared->cluster, shared->cluster.node(leader));
    EXPECT_TRUE(timing.known()) << "the image's failover timing cannot be read";
    return timing.known() && !::testing::Test::HasFailure();
}

// A stall shorter than the watchdog allows (its timeout less one loop less 3 s of slack): no
// failover. The same node leads on the same timeline, it was not reset, and every acknowledged
// row is there.
TEST_F(Cluster3, AShortStallOfTheLeaderDeposesNobody) {
    std::string leader;
    FailoverTiming timing;
    ASSERT_TRUE(ready_to_pause("kiln_e2e_pause", leader, timing));
    const Node& node = shared->cluster.node(leader);
    const auto pause = std::chrono::seconds(timing.watchdog_timeout() - timing.loop_wait - 3);
    ASSERT_GT(pause.count(), 0) << "the timing leaves no stall to tolerate";
    const int timeline = leader_timeline(shared->cluster, node);
    const std::string boot = boot_id(shared->cluster, node);

    RowWriter writer(shared->cluster, "kiln_e2e_pause");
    ASSERT_TRUE(wait_until([&] { return writer.acknowledged() >= 20; }, 5min, 1s));
    const double paused = pause_for(shared->state, leader, pause);
    auto resumed_at = Clock::now();
    // Past the key's lifetime, so that a failover the stall caused would have happened.
    std::this_thread::sleep_for(std::chrono::seconds(timing.ttl));
    bool flowing =
        wait_until([&] { return writer.acknowledged_after(resumed_at) >= 10; }, 2min, 1s);
    writer.stop();
    std::cout << "e2e: short stall: " << leader << " paused " << paused << " s (watchdog timeout "
              << timing.watchdog_timeout() << " s, loop_wait " << timing.loop_wait
              << " s), longest write gap " << writer.longest_gap() << " s" << std::endl;

    EXPECT_TRUE(flowing) << "writes did not flow again after the stall";
    EXPECT_EQ(shared->cluster.leader(), leader) << "a short stall deposed the leader";
    EXPECT_EQ(leader_timeline(shared->cluster, node), timeline) << "a new timeline: a failover";
    EXPECT_EQ(boot_id(shared->cluster, node), boot) << "the watchdog reset the leader";
    auto lost = writer.lost();
    ASSERT_TRUE(lost.has_value()) << "the leader cannot be read";
    EXPECT_TRUE(lost->empty()) << lost->size() << " acknowledged rows lost";
    EXPECT_TRUE(wait_until(cluster_healthy, 5min));
}

// A stall longer than the key's lifetime: exactly one other node takes over, and the old
// leader, continued, acknowledges nothing more (the watchdog resets it, or Patroni demotes it,
// and synchronous_mode holds its commits) and comes back as a replica. One writer goes through
// the VIP, another straight to the old leader's own PostgreSQL.
TEST_F(Cluster3, ALongStallOfTheLeaderHasOneNewLeaderAndTheOldOneNeverWritesAgain) {
    std::string leader;
    FailoverTiming timing;
    ASSERT_TRUE(ready_to_pause("kiln_e2e_pause", leader, timing));
    const Node& node = shared->cluster.node(leader);
    std::vector<Node> others;
    for (const auto& n : shared->cluster.nodes())
        if (n.name != leader) others.push_back(n);
    const std::string boot = boot_id(shared->cluster, node);

    RowWriter through_vip(shared->cluster, "kiln_e2e_pause");
    RowWriter straight(shared->cluster, "kiln_e2e_pause", 1000000,
                       straight_to(shared->cluster, node));
    ASSERT_TRUE(
        wait_until([&] { return through_vip.acknowledged() >= 20 && straight.acknowledged() >= 3; },
                   5min, 1s));
    const std::vector<const RowWriter*> writers = {&through_vip, &straight};

    signal_node(shared->state, "pause", leader);
    auto paused_at = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(timing.ttl + 10));
    std::string new_leader = shared->cluster.leader(leader);
    auto writable = writable_nodes(shared->cluster, others);
    auto first_new_write = through_vip.first_sent_after(paused_at);
    signal_node(shared->state, "resume", leader);
    auto resumed_at = Clock::now();
    std::cout << "e2e: long stall: " << leader << " paused "
              << static_cast<int>(std::chrono::duration<double>(resumed_at - paused_at).count())
              << " s (ttl " << timing.ttl << " s); new leader " << new_leader
              << ", writable through the VIP "
              << (first_new_write
                      ? std::to_string(static_cast<int>(
                            std::chrono::duration<double>(*first_new_write - paused_at).count())) +
                            " s after the pause began"
                      : std::string("never"))
              << std::endl;
    EXPECT_NE(new_leader, "") << "nobody took over";
    EXPECT_NE(new_leader, leader);
    EXPECT_EQ(writable, std::vector<std::string>{new_leader})
        << "exactly one of the others must take writes";
    EXPECT_TRUE(first_new_write.has_value()) << "no write went through the VIP during the stall";

    // The old leader comes back as a replica (after a watchdog reset, when it fired).
    const auto rejoin_started = Clock::now();
    bool rejoined = wait_until(
        [&] {
            auto m = shared->cluster.patroni_members(others.front());
            if (!m.contains(leader)) return false;
            // Patroni 3.0.2 (Debian 12) says "running" where later ones say "streaming":
            // whether it streams is cluster_healthy's question, asked of the leader.
            std::string role = m[leader].value("Role", "");
            return (role == "Replica" || role == "Sync Standby") && cluster_healthy();
        },
        15min);
    // Writes on both paths a little longer: the straight ones must keep failing.
    const auto tail_from = Clock::now();
    wait_until([&] { return through_vip.acknowledged_after(tail_from) >= 5; }, 1min, 1s);
    std::this_thread::sleep_for(5s);
    through_vip.stop();
    straight.stop();
    const std::string boot_after = boot_id(shared->cluster, node);
    const bool reset = !boot_after.empty() && boot_after != boot;
    std::cout << "e2e: long stall: " << leader << " resumed -> "
              << (rejoined ? "streaming replica" : "NOT a replica") << " in "
              << static_cast<int>(seconds_since(rejoin_started))
              << " s; watchdog reset it: " << (reset ? "yes" : "no") << std::endl;
    if (reset) {
        auto journal = shared->cluster.ssh(
            node, "sudo journalctl -b -1 --no-pager -o cat -u patroni | tail -5", "", 60);
        std::cout << "e2e: long stall: " << leader << "'s Patroni before the reset:\n"
                  << journal.out << std::endl;
    } else {
        // No reset: what stopped the old leader is in its Patroni log (kiln-patroni's refusal
        // to take the lock back, then the demotion).
        auto journal = shared->cluster.ssh(
            node,
            "sudo journalctl -b --no-pager -o cat -u patroni | "
            "grep -E 'not taking it back|failed to update leader lock|Demoting self' | head -6",
            "", 60);
        std::cout << "e2e: long stall: " << leader << "'s Patroni after the resume:\n"
                  << journal.out << std::endl;
    }
    EXPECT_TRUE(rejoined) << leader << " did not come back as a streaming replica";
    EXPECT_NE(shared->cluster.leader(), leader) << "the old leader leads again";

    auto after_the_key = acknowledged_by(writers, node.address, paused_at);
    EXPECT_TRUE(after_the_key.empty())
        << leader << " acknowledged " << after_the_key.size()
        << " writes sent after it stalled (the first: row " << after_the_key.front().id << ")";
    auto lost = lost_rows(writers);
    ASSERT_TRUE(lost.has_value()) << "the new leader cannot be read";
    EXPECT_TRUE(lost->empty()) << lost->size() << " acknowledged rows lost";
    std::cout << "e2e: long stall: " << through_vip.acknowledged() + straight.acknowledged()
              << " rows acknowledged (" << straight.acknowledged() << " straight to " << leader
              << " before the stall), all on the new leader: " << lost->empty() << std::endl;
    EXPECT_TRUE(wait_until(cluster_healthy, 10min)) << "not 1 leader + 2 streaming replicas";
}

// Day 2: a second image (the bundled profile with another release) and `kiln run --rolling`
// onto it under a write load: replicas first, the leader last after a switchover, one at a time.
TEST_F(Cluster3, RollingReplaceOntoANewImageLosesNoWriteAndKeepsTheCluster) {
    const fs::path image_b = image_b_under_test();
    ASSERT_TRUE(fs::exists(image_b)) << image_b << " (built by the second image fixture test)";
    auto sysid_before = system_identifier();
    ASSERT_FALSE(sysid_before.empty());
    ASSERT_EQ(shared->cluster.psql_vip("truncate kiln_e2e").exit_code, 0);

    RowWriter writer(shared->cluster, "kiln_e2e");
    ASSERT_TRUE(wait_until([&] { return writer.acknowledged() >= 20; }, 5min, 1s));
    std::string leader = shared->cluster.leader();
    auto rolling_started = Clock::now();
    auto rolling = run_command({kKiln, "run", "--rolling", "--image", image_b.string(),
                                "--state-dir", shared->state.string(), "--json"},
                               long_command());
    double rolling_seconds = seconds_since(rolling_started);
    wait_until([&] { return writer.acknowledged() >= 10; }, 1min, 1s);
    writer.stop();
    ASSERT_EQ(rolling.exit_code, 0) << rolling.out;

    // Each node's replacement time, from the JSON lines of progress.
    std::map<std::string, double> replaced;
    std::istringstream lines(rolling.out);
    for (std::string line; std::getline(lines, line);) {
        auto event = nlohmann::json::parse(line, nullptr, false);
        // One "done" per node, then the cluster's own.
        if (event.is_object() && event.value("step", "") == "done" &&
            event.value("node", "") != "cluster")
            replaced[event.value("node", "")] = event.value("seconds", 0.0);
    }
    EXPECT_EQ(replaced.size(), 3u) << rolling.out;
    for (const auto& [node, seconds] : replaced)
        std::cout << "e2e: rolling: " << node << (node == leader ? " (leader)" : "")
                  << " replaced in " << static_cast<int>(seconds) << " s" << std::endl;
    std::cout << "e2e: rolling: all three replaced in " << static_cast<int>(rolling_seconds) << " s"
              << std::endl;
    std::cout << "e2e: rolling: longest write gap (the leader's switchover): "
              << writer.longest_gap() << " s" << std::endl;

    auto lost = writer.lost();
    ASSERT_TRUE(lost.has_value());
    EXPECT_TRUE(lost->empty()) << lost->size() << " acknowledged rows lost";
    std::cout << "e2e: rolling: " << writer.acknowledged()
              << " rows acknowledged, all present: " << lost->empty() << std::endl;
    for (const auto& n : shared->cluster.nodes()) {
        auto release = shared->cluster.ssh(n, "sed -n 's/^release: *//p' /etc/kiln/image.yml");
        EXPECT_EQ(release.out, "e2e-2\n") << n.name << " does not run the new image";
    }
    EXPECT_TRUE(wait_until(cluster_healthy, 10min)) << "not 1 leader + 2 streaming replicas";
    EXPECT_EQ(system_identifier(), sysid_before) << "a second initdb";
    EXPECT_EQ(healthy_etcd_members(), 3);
}

}  // namespace
