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

#include "kiln/sha256.hpp"

namespace fs = std::filesystem;
using namespace kiln_e2e;
using namespace std::chrono_literals;

namespace {

const std::string kKiln = KILN_BINARY_DIR "/builder/kiln";
const std::string kInventory = KILN_SOURCE_DIR "/profiles/inventories/local-3.yml";
const std::string kAdmin = "kiln";  // firstboot.admin_user of profiles/includes/patroni-cluster.yml

fs::path image_under_test() {
    if (const char* image = std::getenv("KILN_E2E_IMAGE"); image && *image) return image;
    return KILN_TEST_IMAGE;
}

std::string random_secret(std::size_t length) {
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string s;
    while (s.size() < length) s += alphabet[pick(device)];
    return s;
}

void write_private(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

struct Shared {
    kiln_test::Scratch scratch{"e2e"};
    fs::path state = scratch.path / "state";
    fs::path secret_list = scratch.path / "secret-values";  // one per line, grep -F patterns
    // The secrets plus a canary the scan must find where the test plants it, proving it looks.
    std::string canary = "kiln-e2e-canary-" + random_secret(12);
    fs::path scan_patterns = scratch.path / "scan-patterns";
    fs::path postgres_password = scratch.path / "postgres.password";
    std::map<std::string, std::string> secrets;
    std::string image_digest;
    Cluster cluster{scratch.path / "id", scratch.path / "pgpass", kAdmin};
    CommandResult up;
    double writable_seconds = -1;
    bool healthy = false;
};
Shared* shared = nullptr;

// Every node reports status ok, Patroni sees one running leader, and the leader streams to
// both replicas.
bool cluster_healthy() {
    for (const auto& n : shared->cluster.nodes()) {
        auto status = shared->cluster.ssh(n, "sudo cat /run/kiln/status.json");
        if (status.exit_code != 0 || status.out.find("\"status\": \"ok\"") == std::string::npos)
            return false;
    }
    if (shared->cluster.leader().empty()) return false;
    auto streaming = shared->cluster.psql_vip(
        "select count(*) from pg_stat_replication where state = 'streaming'");
    return streaming.exit_code == 0 && streaming.out == "2\n";
}

class Cluster3 : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        shared = new Shared;
        const fs::path dir = shared->scratch.path;
        ASSERT_EQ(run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-e2e",
                               "-f", (dir / "id").string()})
                      .exit_code,
                  0);

        // The bundled inventory, with this run's admin key in place of the example one.
        std::string inventory = kiln_test::read_text(kInventory);
        std::string key = kiln_test::read_text(dir / "id.pub");
        key.erase(key.find_last_not_of('\n') + 1);
        auto at = inventory.find("  - ssh-ed25519 ");
        ASSERT_NE(at, std::string::npos);
        inventory.replace(at + 4, inventory.find('\n', at) - at - 4, key);
        std::ofstream(dir / "cluster.yml") << inventory;

        shared->secrets = {{"postgres_password", random_secret(24)},
                           {"replication_password", random_secret(24)},
                           {"rest_password", random_secret(24)},
                           {"vrrp_password", random_secret(8)}};  // VRRP PASS auth: 8 at most
        std::string secrets_yaml, values;
        for (const auto& [k, v] : shared->secrets) {
            secrets_yaml += k + ": " + v + "\n";
            values += v + "\n";
        }
        write_private(dir / "secrets.yml", secrets_yaml);
        write_private(shared->secret_list, values);
        write_private(shared->scan_patterns, values + shared->canary + "\n");
        write_private(shared->postgres_password, shared->secrets["postgres_password"] + "\n");
        write_private(dir / "pgpass",
                      "*:*:*:postgres:" + shared->secrets["postgres_password"] + "\n");

        fs::path image = image_under_test();
        ASSERT_TRUE(fs::exists(image)) << image << " (built by the image fixture test)";
        shared->image_digest = kiln::sha256_file_hex(image);

        auto power_on = Clock::now();
        shared->up = run_command({kKiln, "run", image.string(), "--inventory",
                                  (dir / "cluster.yml").string(), "--secrets",
                                  (dir / "secrets.yml").string(), "--state-dir",
                                  shared->state.string(), "--json"});
        ASSERT_EQ(shared->up.exit_code, 0) << shared->up.out;
        shared->cluster.adopt(nlohmann::json::parse(shared->up.out));

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
        shared->writable_seconds = seconds_since(power_on);
        std::cout << "e2e: power-on -> cluster writable through the VIP: "
                  << static_cast<int>(shared->writable_seconds) << " s" << std::endl;
        ::testing::Test::RecordProperty("power_on_to_writable_s",
                                        static_cast<int>(shared->writable_seconds));
        shared->healthy = wait_until(cluster_healthy, 15min);
        std::cout << "e2e: power-on -> all nodes ok, two streaming replicas: "
                  << static_cast<int>(seconds_since(power_on)) << " s" << std::endl;
    }

    static void TearDownTestSuite() {
        if (::testing::UnitTest::GetInstance()->failed_test_count() > 0) dump_diagnostics();
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
    }
}

TEST_F(Cluster3, EtcdHasThreeHealthyMembersAndPatroniOneLeaderTwoStreamingReplicas) {
    const auto& first = shared->cluster.nodes().front();
    auto health =
        shared->cluster.ssh(first, "ETCDCTL_API=3 etcdctl --endpoints=http://" + first.address +
                                       ":2379 endpoint health --cluster -w json");
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
            shared->postgres_password.string());
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

    // In each VM: every world-readable file changed since boot (where a secret written by first
    // boot would be), the whole journal with every field, /var/log, PostgreSQL's own logs,
    // every process's argv, and the fw_cfg metadata file's mode. The patterns arrive on stdin
    // into a 0600 file on a path the scan skips.
    const std::string scan =  // prints the paths of leaks, LEAK:where for the rest
        "sudo sh -c 'umask 077; p=/run/kiln-e2e-patterns; cat > $p; "
        "since=$(( $(cut -d. -f1 /proc/uptime) / 60 + 2 )); "
        "find / \\( -path /proc -o -path /sys -o -path /dev -o -path $p \\) -prune -o "
        "-type f -perm -o=r -cmin -$since -print0 | xargs -0 -r grep -lF -f $p; "
        "journalctl -b -o verbose --no-pager | grep -qF -f $p && echo LEAK:journal; "
        "grep -rlF --exclude-dir=journal -f $p /var/log /var/lib/postgresql/*/main/log "
        "2>/dev/null; "
        "ps -eo args | grep -F -f $p | grep -v grep && echo LEAK:argv; "
        "m=$(stat -c %a /sys/firmware/qemu_fw_cfg/by_name/opt/kiln/metadata/raw); "
        "case $m in *[4567]) echo LEAK:fw_cfg-mode-$m;; esac; "
        "rm -f $p; echo SCANNED'";
    // The three scans run at once: each is minutes of grep under TCG.
    std::vector<std::future<std::pair<CommandResult, CommandResult>>> scans;
    for (const auto& n : shared->cluster.nodes())
        scans.push_back(std::async(std::launch::async, [&scan, n] {
            auto planted = shared->cluster.ssh(n, "echo " + shared->canary +
                                                      " > /var/tmp/kiln-e2e-canary; chmod 644 "
                                                      "/var/tmp/kiln-e2e-canary; logger " +
                                                      shared->canary);
            return std::make_pair(
                planted, shared->cluster.ssh(n, scan, shared->scan_patterns.string(), 900));
        }));
    for (std::size_t i = 0; i < scans.size(); ++i) {
        auto [planted, found] = scans[i].get();
        const std::string& name = shared->cluster.nodes()[i].name;
        EXPECT_EQ(planted.exit_code, 0) << name << ": " << planted.out;
        EXPECT_EQ(found.out, "/var/tmp/kiln-e2e-canary\nLEAK:journal\nSCANNED\n")
            << name << ": only the planted canary may be found, in its file and the journal\n"
            << found.out;
    }
    // On the host: the image (never written by kiln run) and the serial consoles.
    auto image = run_command(
        {"grep", "-c", "-aF", "-f", shared->secret_list.string(), image_under_test().string()});
    EXPECT_EQ(image.out, "0\n") << "a secret is in the image";
    std::vector<std::string> grep_consoles = {"grep", "-lF", "-f", shared->secret_list.string()};
    for (const auto& entry : fs::directory_iterator(shared->state))
        if (entry.path().filename().string().ends_with(".console.log"))
            grep_consoles.push_back(entry.path().string());
    ASSERT_GT(grep_consoles.size(), 4u) << "no serial console log in " << shared->state;
    auto consoles = run_command(grep_consoles);
    EXPECT_EQ(consoles.out, "") << "a secret reached a serial console";
    EXPECT_EQ(kiln::sha256_file_hex(image_under_test()), shared->image_digest);
}

// Numbered rows go in through the VIP, one transaction each, while the leader VM is killed.
// Every row whose commit was acknowledged must survive on the new leader (synchronous_mode),
// writes must resume, and the killed node, booted again, must come back as a replica.
TEST_F(Cluster3, LeaderCrashLosesNoAcknowledgedWriteAndTheOldLeaderRejoins) {
    auto members = shared->cluster.patroni_members(shared->cluster.nodes().front());
    bool sync_standby = false;
    for (const auto& [name, m] : members) sync_standby |= m.value("Role", "") == "Sync Standby";
    ASSERT_TRUE(sync_standby) << "synchronous_mode is not on";
    ASSERT_EQ(shared->cluster.psql_vip("truncate kiln_e2e").exit_code, 0);

    // Failover time runs from the kill to the first write that was sent after QEMU was gone
    // and acknowledged; a write in flight at the kill does not count.
    std::mutex mutex;
    std::vector<int> acked;
    std::optional<Clock::time_point> killed_at, gone_at, resumed_at;
    std::size_t acked_at_resume = 0;
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        for (int id = 1; !stop; ++id) {
            auto sent = Clock::now();
            bool ok = shared->cluster
                          .psql_vip("insert into kiln_e2e (id) values (" + std::to_string(id) + ")",
                                    true, 15)
                          .exit_code == 0;
            std::lock_guard lock(mutex);
            if (!ok) continue;
            acked.push_back(id);
            if (gone_at && sent >= *gone_at && !resumed_at) {
                resumed_at = Clock::now();
                acked_at_resume = acked.size();
            }
        }
    });
    auto acked_count = [&] {
        std::lock_guard lock(mutex);
        return acked.size();
    };
    auto stop_writer = [&] {
        stop = true;
        writer.join();
    };

    bool flowing = wait_until([&] { return acked_count() >= 20; }, 5min, 1s);
    std::string old_leader = shared->cluster.leader();
    if (!flowing || old_leader.empty()) stop_writer();
    ASSERT_TRUE(flowing) << "writes through the VIP did not flow";
    ASSERT_FALSE(old_leader.empty());

    {
        std::lock_guard lock(mutex);
        killed_at = Clock::now();
    }
    auto kill =
        run_command({kKiln, "run", "--kill", old_leader, "--state-dir", shared->state.string()});
    {
        std::lock_guard lock(mutex);
        gone_at = Clock::now();
    }
    bool resumed = wait_until(
        [&] {
            std::lock_guard lock(mutex);
            return resumed_at.has_value();
        },
        8min, 1s);
    // A few more rows on the new leader, then stop.
    wait_until(
        [&] {
            std::lock_guard lock(mutex);
            return acked.size() >= acked_at_resume + 10;
        },
        2min, 1s);
    stop_writer();
    ASSERT_EQ(kill.exit_code, 0) << kill.out;
    ASSERT_TRUE(resumed) << "no write was accepted after killing " << old_leader;
    double failover = std::chrono::duration<double>(*resumed_at - *killed_at).count();
    std::cout << "e2e: kill " << old_leader
              << " (leader) -> writes accepted again: " << static_cast<int>(failover) << " s"
              << std::endl;
    ::testing::Test::RecordProperty("kill_to_writable_s", static_cast<int>(failover));

    std::string new_leader = shared->cluster.leader(old_leader);
    EXPECT_FALSE(new_leader.empty());
    EXPECT_NE(new_leader, old_leader);
    auto rows = shared->cluster.psql_vip("select id from kiln_e2e");
    ASSERT_EQ(rows.exit_code, 0) << rows.out;
    std::set<int> present;
    std::istringstream lines(rows.out);
    for (std::string line; std::getline(lines, line);) present.insert(std::stoi(line));
    std::vector<int> lost;
    for (int id : acked)
        if (!present.contains(id)) lost.push_back(id);
    EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged rows lost, first " << lost.front();
    std::cout << "e2e: " << acked.size() << " rows acknowledged, all present: " << lost.empty()
              << std::endl;

    auto start =
        run_command({kKiln, "run", "--start", old_leader, "--state-dir", shared->state.string()});
    ASSERT_EQ(start.exit_code, 0) << start.out;
    auto restarted = Clock::now();
    const Node& old_node = shared->cluster.node(old_leader);
    bool rejoined = wait_until(
        [&] {
            auto m = shared->cluster.patroni_members(old_node);
            if (!m.contains(old_leader)) return false;
            std::string role = m[old_leader].value("Role", "");
            return (role == "Replica" || role == "Sync Standby") && cluster_healthy();
        },
        15min);
    ASSERT_TRUE(rejoined) << old_leader << " did not rejoin as a streaming replica";
    std::cout << "e2e: " << old_leader << " booted again -> streaming replica: "
              << static_cast<int>(seconds_since(restarted)) << " s" << std::endl;
    // It holds every acknowledged row too, read on the node itself.
    auto count = [&] {
        return shared->cluster.ssh(old_node,
                                   "sudo -u postgres psql -X -At -c "
                                   "'select count(*) from kiln_e2e'");
    };
    bool caught_up =
        wait_until([&] { return count().out == std::to_string(present.size()) + "\n"; }, 2min);
    EXPECT_TRUE(caught_up) << count().out << " rows on " << old_leader << ", " << present.size()
                           << " on the leader";
}

}  // namespace
