// The other DCS servers of the bundled image, end to end: a cluster whose inventory says
// `dcs: zookeeper` (and `dcs: consul` where an image carries Consul) comes up with that server
// alone, Patroni keeps its leader in it, and a leader crash loses no acknowledged write.
#include <gtest/gtest.h>

#include <iostream>

#include "cluster.hpp"
#include "cluster_files.hpp"
#include "leader_crash.hpp"
#include "timeline.hpp"

namespace fs = std::filesystem;
using namespace kiln_e2e;
using namespace std::chrono_literals;

namespace {

// One cluster for the whole program: the suites below run one after the other, each bringing up
// its own cluster (they share the host's one `kiln run` network) and taking it down at the end.
struct DcsCluster {
    kiln_test::Scratch scratch;
    fs::path state = scratch.path / "state";
    ClusterFiles files{.dir = scratch.path};
    Cluster cluster{files.key, files.pgpass, kAdmin};
    bool healthy = false;

    explicit DcsCluster(const std::string& name) : scratch("e2e-" + name) {}

    // Everything powered on at once; returns when the cluster is healthy or 25 minutes passed.
    void bring_up(const fs::path& image, const std::string& dcs,
                  const std::map<std::string, std::string>& extra_secrets = {}) {
        ASSERT_EQ(files.write(dcs, extra_secrets), "");
        ASSERT_TRUE(fs::exists(image)) << image;
        auto started = Clock::now();
        auto up = run_command({kKiln, "run", image.string(), "--inventory",
                               files.inventory.string(), "--secrets", files.secrets_file.string(),
                               "--state-dir", state.string(), "--json"});
        ASSERT_EQ(up.exit_code, 0) << up.out;
        cluster.adopt(nlohmann::json::parse(up.out));
        bool writable = wait_until(
            [&] {
                return cluster
                           .psql_vip("create table if not exists kiln_e2e (id integer primary key)")
                           .exit_code == 0;
            },
            25min);
        ASSERT_TRUE(writable) << "the VIP never took a write";
        std::cout << "e2e: " << dcs << ": power-on -> cluster writable through the VIP: "
                  << static_cast<int>(seconds_since(started)) << " s" << std::endl;
        healthy = wait_until([&] { return cluster.healthy(); }, 15min);
        std::cout << "e2e: " << dcs << ": power-on -> all nodes ok, two streaming replicas: "
                  << static_cast<int>(seconds_since(started)) << " s" << std::endl;
        for (const auto& n : cluster.nodes()) std::cout << node_timeline(cluster, n, started);
    }

    // The image's DCS servers other than `chosen` are masked and not running on every node.
    void expect_only(const std::string& chosen, const std::vector<std::string>& others) {
        for (const auto& n : cluster.nodes()) {
            auto active = cluster.ssh(n, "systemctl is-active " + chosen);
            EXPECT_EQ(active.out, "active\n") << n.name << ": " << chosen;
            for (const auto& other : others) {
                auto enabled = cluster.ssh(n, "systemctl is-enabled " + other +
                                                  "; systemctl "
                                                  "is-active " +
                                                  other);
                EXPECT_EQ(enabled.out, "masked\ninactive\n") << n.name << ": " << other;
            }
        }
    }

    void dump_diagnostics(const std::string& units) {
        for (const auto& n : cluster.nodes()) {
            auto r = cluster.ssh(n,
                                 "hostname; sudo cat /run/kiln/status.json; systemctl --failed "
                                 "--no-legend; sudo journalctl -b --no-pager -u kiln-firstboot " +
                                     units + " -u patroni | tail -40");
            std::cout << "---- " << n.name << " ----\n" << r.out << std::endl;
        }
    }

    ~DcsCluster() {
        if (!std::getenv("KILN_TEST_KEEP"))
            run_command({kKiln, "run", "--down", "--state-dir", state.string()});
    }
};

// A four-letter word asked of the local ZooKeeper through bash's /dev/tcp (the image has no nc).
std::string zookeeper_says(const Cluster& cluster, const Node& n, const std::string& word) {
    return cluster
        .ssh(n, "bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181; printf " + word +
                    " >&3; timeout 10 cat <&3'")
        .out;
}

class ZooKeeperCluster : public ::testing::Test {
protected:
    static inline DcsCluster* zk = nullptr;

    static void SetUpTestSuite() {
        zk = new DcsCluster("zookeeper");
        zk->bring_up(KILN_TEST_IMAGE, "zookeeper");
    }
    static void TearDownTestSuite() {
        if (something_failed()) zk->dump_diagnostics("-u zookeeper");
        delete zk;
        zk = nullptr;
    }
    void SetUp() override {
        ASSERT_NE(zk, nullptr);
        ASSERT_TRUE(zk->healthy) << "the cluster never became healthy; see the dump below";
    }
};

TEST_F(ZooKeeperCluster, AnEnsembleOfThreeWithOneLeaderAndOnlyTheHealthWordsAllowed) {
    int leaders = 0, followers = 0;
    for (const auto& n : zk->cluster.nodes()) {
        EXPECT_EQ(zookeeper_says(zk->cluster, n, "ruok"), "imok") << n.name;
        std::string srvr = zookeeper_says(zk->cluster, n, "srvr");
        leaders += srvr.find("Mode: leader") != std::string::npos;
        followers += srvr.find("Mode: follower") != std::string::npos;
        EXPECT_NE(zookeeper_says(zk->cluster, n, "conf").find("not in the whitelist"),
                  std::string::npos)
            << n.name << ": conf must be refused";
        // The ids are the peers' order by name, the same on every node.
        auto myid = zk->cluster.ssh(n,
                                    "sudo sh -c 'cat $(sed -n s/^dataDir=//p "
                                    "/etc/zookeeper/conf/zoo.cfg)/myid'");
        EXPECT_EQ(myid.out, std::string(1, n.name.back()) + "\n") << n.name;
    }
    EXPECT_EQ(leaders, 1);
    EXPECT_EQ(followers, 2);
}

TEST_F(ZooKeeperCluster, EtcdIsMaskedAndPatroniKeepsItsLeaderInZooKeeper) {
    zk->expect_only("zookeeper", {"etcd"});
    const Node& first = zk->cluster.nodes().front();
    auto dcs = zk->cluster.ssh(first,
                               "sudo grep -E '^(zookeeper|etcd3?|consul):' "
                               "/etc/patroni/config.yml");
    EXPECT_EQ(dcs.out, "zookeeper:\n");
    // Patroni's members, as it reads them from ZooKeeper: one leader, two replicas.
    auto members = zk->cluster.patroni_members(first);
    ASSERT_EQ(members.size(), 3u);
    int leaders = 0;
    for (const auto& [name, m] : members) leaders += m.value("Role", "") == "Leader";
    EXPECT_EQ(leaders, 1);
}

TEST_F(ZooKeeperCluster, ALeaderCrashLosesNoAcknowledgedWrite) {
    auto crash = crash_the_leader_under_writes(zk->cluster, zk->state, "kiln_e2e");
    EXPECT_GE(crash.seconds, 0);
}

// Consul is not in Debian, and only Debian's registry is reachable here: the image that carries
// it is built elsewhere (profiles/includes/consul.yml) and named by KILN_E2E_CONSUL_IMAGE.
class ConsulCluster : public ::testing::Test {
protected:
    static inline DcsCluster* consul = nullptr;
    static inline std::string token;

    static void SetUpTestSuite() {
        const char* image = std::getenv("KILN_E2E_CONSUL_IMAGE");
        if (!image || !*image) return;
        auto key = run_command({"openssl", "rand", "-base64", "32"});
        ASSERT_EQ(key.exit_code, 0) << key.out;
        key.out.pop_back();
        token = kiln_test::read_text("/proc/sys/kernel/random/uuid");
        token.pop_back();
        consul = new DcsCluster("consul");
        consul->bring_up(image, "consul", {{"consul_encrypt", key.out}, {"consul_token", token}});
    }
    static void TearDownTestSuite() {
        if (consul && something_failed()) consul->dump_diagnostics("-u consul");
        delete consul;
        consul = nullptr;
    }
    void SetUp() override {
        if (!consul)
            GTEST_SKIP() << "no Consul image: Debian does not package Consul and HashiCorp's "
                            "repository is unreachable here; build one with "
                            "profiles/includes/consul.yml and set KILN_E2E_CONSUL_IMAGE";
        ASSERT_TRUE(consul->healthy) << "the cluster never became healthy; see the dump below";
    }
};

TEST_F(ConsulCluster, ThreeServersWithAclsOnAndTheOthersMasked) {
    consul->expect_only("consul", {"etcd", "zookeeper"});
    fs::path token_file = consul->scratch.path / "consul-token";
    write_private(token_file, token + "\n");
    for (const auto& n : consul->cluster.nodes()) {
        auto members = consul->cluster.ssh(
            n, "read -r CONSUL_HTTP_TOKEN; export CONSUL_HTTP_TOKEN; consul members", token_file);
        EXPECT_EQ(members.exit_code, 0) << members.out;
        std::size_t alive = 0;
        for (auto at = members.out.find(" alive "); at != std::string::npos;
             at = members.out.find(" alive ", at + 1))
            ++alive;
        EXPECT_EQ(alive, 3u) << n.name << ": " << members.out;
        auto anonymous = consul->cluster.ssh(n, "consul kv get -recurse service/ 2>&1");
        EXPECT_NE(anonymous.exit_code, 0) << n.name << ": an anonymous read of Patroni's keys";
    }
}

TEST_F(ConsulCluster, ALeaderCrashLosesNoAcknowledgedWrite) {
    auto crash = crash_the_leader_under_writes(consul->cluster, consul->state, "kiln_e2e");
    EXPECT_GE(crash.seconds, 0);
}

}  // namespace
