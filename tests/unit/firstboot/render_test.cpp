#include "render/render.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "kiln/process.hpp"
#include "render/text_edit.hpp"
#include "sources/collect.hpp"
#include "test_support.hpp"
#include "validate/validate.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;

namespace {

using Changes = std::map<std::string, std::string>;

class Rendered {
public:
    explicit Rendered(std::map<std::string, std::string> changes = {},
                      const std::string& hostname = "pg-1",
                      kiln::image::NetworkBackend backend = kiln::image::NetworkBackend::ifupdown,
                      const std::string& meminfo = "",
                      const std::optional<kiln::failover::Timing>& timing = std::nullopt) {
        make_image_root(dir_.path());
        if (timing) set_image_failover(dir_.path(), *timing);
        if (!meminfo.empty()) write_file(dir_ / "proc/meminfo", meminfo);
        auto values = good_values();
        for (auto& [k, v] : changes) values[k] = v;
        write_file(dir_ / "meta.yml", document(values, hostname));
        CollectOptions options;
        options.metadata_file = dir_ / "meta.yml";
        collection_ = collect(root_, options, nullptr);
        auto node = validate(collection_, root_);
        if (!node) throw std::runtime_error(collection_.report.format(nullptr));
        node_ = *node;
        node_.image.network = backend;
        accounts_ = load_accounts(root_);
        RenderContext context{node_,
                              root_,
                              accounts_,
                              layout_for(node_.image.os_family),
                              {"new", founder_initial_cluster(member_identity(node_)), false, {}}};
        rendering_ = render_all(context, report_);
    }

    std::string file(const std::string& path) const {
        const auto* f = rendering_.find(path);
        if (!f) throw std::runtime_error("not rendered: " + path);
        return f->content;
    }
    const RenderedFile* find(const std::string& path) const { return rendering_.find(path); }
    const kiln::Report& report() const { return report_; }
    const fs::path& root() const { return dir_.path(); }

private:
    TempDir dir_;
    RootDir root_{dir_.path()};
    Collection collection_;
    NodeConfig node_;
    kiln::Accounts accounts_;
    Rendering rendering_;
    kiln::Report report_;
};

const std::string kGossipKey = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=";
const std::string kToken = "0b6c5a8e-2f4d-4c1a-9e7b-3d2f1a0c9b8e";
const Changes kConsulChanges = {
    {"dcs", "consul"}, {"consul_encrypt", kGossipKey}, {"consul_token", kToken}};

bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST(RenderPatroni, BaseConfigPlusNodeValuesThroughAnEmitter) {
    Rendered r;
    EXPECT_FALSE(r.report().has_errors()) << r.report().format(nullptr);
    const auto* file = r.find("/etc/patroni/config.yml");
    ASSERT_TRUE(file);
    EXPECT_EQ(file->mode, 0600u);
    EXPECT_EQ(file->owner, "postgres");
    EXPECT_TRUE(file->secret);
    YAML::Node config = YAML::Load(file->content);
    EXPECT_EQ(config["scope"].as<std::string>(), "pg-ha");
    EXPECT_EQ(config["name"].as<std::string>(), "pg-1");
    EXPECT_EQ(config["restapi"]["connect_address"].as<std::string>(), "10.0.0.11:8008");
    EXPECT_EQ(config["restapi"]["authentication"]["password"].as<std::string>(), "rest-secret-3");
    EXPECT_EQ(config["postgresql"]["connect_address"].as<std::string>(), "10.0.0.11:5432");
    EXPECT_EQ(config["postgresql"]["bin_dir"].as<std::string>(), "/usr/lib/postgresql/15/bin");
    EXPECT_EQ(config["postgresql"]["authentication"]["superuser"]["password"].as<std::string>(),
              "pg-secret-1");
    EXPECT_EQ(config["postgresql"]["authentication"]["replication"]["password"].as<std::string>(),
              "repl-secret-2");
    ASSERT_EQ(config["etcd3"]["hosts"].size(), 3u);
    EXPECT_EQ(config["etcd3"]["hosts"][2].as<std::string>(), "10.0.0.13:2379");
    // The base's own values keep their kinds: numbers plain, "on" quoted.
    EXPECT_TRUE(has_line(file->content, "    ttl: 20"));
    EXPECT_TRUE(has_line(file->content, "        hot_standby: \"on\""));
    EXPECT_TRUE(has_line(file->content, "  nofailover: false"));
    EXPECT_TRUE(config["bootstrap"]["pg_hba"].IsSequence());
}

TEST(RenderPatroni, SecretsThatLookLikeYamlStayExactStrings) {
    for (std::string secret : {"true", "123", "null", "~", "p@ss: 'w\"o{r}d' #1", "&a *b !c", "- x",
                               "[1, 2]", "{a: b}"}) {
        Rendered r(Changes{{"postgres_password", secret}, {"rest_password", secret}});
        YAML::Node config = YAML::Load(r.file("/etc/patroni/config.yml"));
        EXPECT_EQ(config["postgresql"]["authentication"]["superuser"]["password"].Tag(), "!")
            << secret;
        EXPECT_EQ(config["postgresql"]["authentication"]["superuser"]["password"].as<std::string>(),
                  secret);
        EXPECT_EQ(config["restapi"]["authentication"]["password"].as<std::string>(), secret);
        EXPECT_EQ(config.size(), YAML::Load(Rendered().file("/etc/patroni/config.yml")).size())
            << "no key injected";
    }
}

TEST(RenderPatroni, OtherDcsKinds) {
    YAML::Node zk =
        YAML::Load(Rendered(Changes{{"dcs", "zookeeper"}}).file("/etc/patroni/config.yml"));
    EXPECT_FALSE(zk["etcd3"]);
    EXPECT_EQ(zk["zookeeper"]["hosts"][0].as<std::string>(), "10.0.0.11:2181");
    Rendered consul(kConsulChanges);
    EXPECT_EQ(
        YAML::Load(consul.file("/etc/patroni/config.yml"))["consul"]["host"].as<std::string>(),
        "127.0.0.1:8500");
    EXPECT_FALSE(consul.find("/etc/default/etcd")) << "no etcd member without etcd";
}

// pg-1, the first of the peers, founds the cluster alone; the others join it (etcd_join_test).
TEST(RenderEtcd, TheFounderStartsTheClusterAlone) {
    std::string env = Rendered().file("/etc/default/etcd");
    EXPECT_TRUE(has_line(env, "ETCD_NAME=\"pg-1\""));
    EXPECT_TRUE(has_line(env, "ETCD_INITIAL_CLUSTER=\"pg-1=http://10.0.0.11:2380\""));
    EXPECT_TRUE(has_line(env, "ETCD_INITIAL_CLUSTER_STATE=\"new\""));
    EXPECT_TRUE(has_line(env, "ETCD_INITIAL_CLUSTER_TOKEN=\"pg-ha\""));
    EXPECT_TRUE(has_line(env, "ETCD_PRE_VOTE=\"true\""));
    EXPECT_TRUE(has_line(env, "ETCD_HEARTBEAT_INTERVAL=\"200\""));
    EXPECT_TRUE(has_line(env, "ETCD_ELECTION_TIMEOUT=\"1000\""));
    EXPECT_TRUE(
        has_line(env, "ETCD_LISTEN_CLIENT_URLS=\"http://10.0.0.11:2379,http://127.0.0.1:2379\""));
    EXPECT_TRUE(has_line(env, "ETCD_ADVERTISE_CLIENT_URLS=\"http://10.0.0.11:2379\""));
}

Rendered zookeeper_node(const std::string& hostname, const std::string& peers,
                        const std::string& meminfo = "MemTotal:        4015876 kB\n") {
    return Rendered(Changes{{"dcs", "zookeeper"}, {"peers", peers}}, hostname,
                    kiln::image::NetworkBackend::ifupdown, meminfo);
}

TEST(RenderZookeeper, AThreeNodeEnsemblesZooCfg) {
    Rendered r = zookeeper_node("pg-1", "pg-1=10.0.0.11,pg-2=10.0.0.12,pg-3=10.0.0.13");
    EXPECT_FALSE(r.report().has_errors()) << r.report().format(nullptr);
    std::string cfg = r.file("/etc/zookeeper/conf/zoo.cfg");
    for (const char* line :
         {"tickTime=2000", "initLimit=10", "syncLimit=5", "dataDir=/var/lib/zookeeper",
          "clientPort=2181", "4lw.commands.whitelist=ruok,srvr", "admin.enableServer=false",
          "server.1=10.0.0.11:2888:3888", "server.2=10.0.0.12:2888:3888",
          "server.3=10.0.0.13:2888:3888"})
        EXPECT_TRUE(has_line(cfg, line)) << line << " in\n" << cfg;
    EXPECT_EQ(cfg.find("server.4"), std::string::npos);
    const auto* myid = r.find("/var/lib/zookeeper/myid");
    ASSERT_TRUE(myid);
    EXPECT_EQ(myid->content, "1\n");
    EXPECT_EQ(myid->owner, "zookeeper");
    EXPECT_FALSE(r.find("/etc/default/etcd")) << "no etcd member without etcd";
}

TEST(RenderZookeeper, PeersInAnyOrderGiveEveryNodeTheSameIds) {
    const std::vector<std::string> orders = {"pg-1=10.0.0.11,pg-2=10.0.0.12,pg-3=10.0.0.13",
                                             "pg-3=10.0.0.13,pg-1=10.0.0.11,pg-2=10.0.0.12",
                                             "pg-2=10.0.0.12,pg-3=10.0.0.13,pg-1=10.0.0.11"};
    const std::string expected =
        zookeeper_node("pg-1", orders[0]).file("/etc/zookeeper/conf/zoo.cfg");
    for (const auto& peers : orders)
        for (int n = 1; n <= 3; ++n) {
            std::string name = "pg-" + std::to_string(n);
            Rendered r = zookeeper_node(name, peers);
            EXPECT_EQ(r.file("/etc/zookeeper/conf/zoo.cfg"), expected) << peers;
            EXPECT_EQ(r.file("/var/lib/zookeeper/myid"), std::to_string(n) + "\n")
                << name << " of " << peers;
        }
}

TEST(RenderZookeeper, IdsFollowNamesNotAddresses) {
    // pg-a has the highest address and still is server 1.
    std::string cfg = zookeeper_node("pg-a", "pg-c=10.0.0.11,pg-b=10.0.0.12,pg-a=10.0.0.13")
                          .file("/etc/zookeeper/conf/zoo.cfg");
    EXPECT_TRUE(has_line(cfg, "server.1=10.0.0.13:2888:3888")) << cfg;
    EXPECT_TRUE(has_line(cfg, "server.3=10.0.0.11:2888:3888")) << cfg;
}

TEST(RenderZookeeper, TheHeapIsAQuarterOfTheMemoryClamped) {
    auto java_opts = [](const std::string& meminfo) {
        return zookeeper_node("pg-1", "pg-1=10.0.0.11,pg-2=10.0.0.12,pg-3=10.0.0.13", meminfo)
            .file("/etc/default/zookeeper");
    };
    EXPECT_TRUE(has_line(java_opts("MemFree: 1 kB\nMemTotal:        4015876 kB\n"),
                         "JAVA_OPTS=\"-Xms980m -Xmx980m\""));
    EXPECT_TRUE(has_line(java_opts("MemTotal: 524288 kB\n"), "JAVA_OPTS=\"-Xms256m -Xmx256m\""));
    EXPECT_TRUE(
        has_line(java_opts("MemTotal: 67108864 kB\n"), "JAVA_OPTS=\"-Xms4096m -Xmx4096m\""));
    Rendered unknown(Changes{{"dcs", "zookeeper"}});
    EXPECT_TRUE(
        has_line(unknown.file("/etc/default/zookeeper"), "JAVA_OPTS=\"-Xms256m -Xmx256m\""));
    EXPECT_NE(unknown.report().format(nullptr).find("no MemTotal"), std::string::npos);
}

TEST(RenderZookeeper, Ipv6PeersAreBracketed) {
    std::string cfg =
        Rendered(Changes{{"dcs", "zookeeper"},
                         {"peers", "pg-1=2001:db8::11,pg-2=2001:db8::12,pg-3=2001:db8::13"},
                         {"vip", "2001:db8::100/64"}})
            .file("/etc/zookeeper/conf/zoo.cfg");
    EXPECT_TRUE(has_line(cfg, "server.2=[2001:db8::12]:2888:3888")) << cfg;
}

TEST(RenderZookeeper, PatroniTalksToEveryMemberOnTheClientPort) {
    YAML::Node config =
        YAML::Load(zookeeper_node("pg-2", "pg-3=10.0.0.13,pg-1=10.0.0.11,pg-2=10.0.0.12")
                       .file("/etc/patroni/config.yml"));
    ASSERT_EQ(config["zookeeper"]["hosts"].size(), 3u);
    EXPECT_EQ(config["zookeeper"]["hosts"][0].as<std::string>(), "10.0.0.13:2181");
}

TEST(RenderConsul, AServerAgentOfThePeersWithGossipEncryptionAndAcls) {
    Rendered r(kConsulChanges, "pg-2");
    EXPECT_FALSE(r.report().has_errors()) << r.report().format(nullptr);
    const auto* file = r.find("/etc/consul.d/consul.json");
    ASSERT_TRUE(file);
    EXPECT_EQ(file->mode, 0600u);
    EXPECT_EQ(file->owner, "consul");
    EXPECT_TRUE(file->secret);
    EXPECT_EQ(file->checker, Checker::consul);
    auto config = nlohmann::json::parse(file->content);
    EXPECT_EQ(config["server"], true);
    EXPECT_EQ(config["bootstrap_expect"], 3);
    EXPECT_EQ(config["retry_join"], nlohmann::json::array({"10.0.0.11", "10.0.0.13"}));
    EXPECT_EQ(config["bind_addr"], "10.0.0.12");
    EXPECT_EQ(config["advertise_addr"], "10.0.0.12");
    EXPECT_EQ(config["client_addr"], "127.0.0.1");
    EXPECT_EQ(config["node_name"], "pg-2");
    EXPECT_EQ(config["data_dir"], "/opt/consul");
    EXPECT_EQ(config["encrypt"], kGossipKey);
    EXPECT_EQ(config["acl"]["enabled"], true);
    EXPECT_EQ(config["acl"]["default_policy"], "deny");
    EXPECT_EQ(config["acl"]["tokens"]["initial_management"], kToken);
    EXPECT_EQ(config["acl"]["tokens"]["agent"], kToken);
    // The package's own consul.hcl (data_dir /opt/consul) would be read beside it.
    EXPECT_EQ(r.file("/etc/consul.d/consul.hcl").find("data_dir"), std::string::npos);
    EXPECT_FALSE(r.find("/etc/zookeeper/conf/zoo.cfg"));
}

TEST(RenderConsul, PatroniTalksToItsLocalAgentWithTheToken) {
    YAML::Node config = YAML::Load(Rendered(kConsulChanges).file("/etc/patroni/config.yml"));
    EXPECT_EQ(config["consul"]["host"].as<std::string>(), "127.0.0.1:8500");
    EXPECT_EQ(config["consul"]["token"].as<std::string>(), kToken);
    EXPECT_FALSE(config["etcd3"]);
}

TEST(RenderConsul, ItsSecretsAreAmongTheNodesSecrets) {
    Rendered r(kConsulChanges);
    std::string patroni = r.file("/etc/patroni/config.yml");
    EXPECT_NE(patroni.find(kToken), std::string::npos);
    EXPECT_TRUE(r.find("/etc/patroni/config.yml")->secret);
}

// consul validate cannot run where kiln is built (Consul is not in Debian); where the binary is
// on the PATH it checks the rendered agent configuration.
TEST(RenderConsul, ConsulValidateAcceptsTheAgentConfiguration) {
    auto consul = kiln::find_program("consul");
    if (!consul) GTEST_SKIP() << "consul is not on the PATH (HashiCorp's package, not Debian's)";
    Rendered r(kConsulChanges);
    TempDir dir;
    write_file(dir / "consul.json", r.file("/etc/consul.d/consul.json"));
    auto result =
        kiln_test::run_command({consul->string(), "validate", (dir / "consul.json").string()});
    EXPECT_TRUE(result.exited() && result.exit_code == 0) << result.ending() << "\n" << result.out;
}

TEST(RenderedFiles, TheDataDisksFilesAreTakenOutToWaitForItsMount) {
    Rendering rendering;
    rendering.files.push_back({"/data/zookeeper/myid", "1\n"});
    rendering.files.push_back({"/etc/zookeeper/conf/zoo.cfg", ""});
    rendering.files.push_back({"/database/x", ""});
    rendering.files.push_back({"/data", ""});
    Rendering taken = rendering.take_files_under("/data");
    ASSERT_EQ(taken.files.size(), 1u);
    EXPECT_EQ(taken.files[0].path, "/data/zookeeper/myid");
    EXPECT_EQ(rendering.files.size(), 3u);
}

TEST(RenderHaproxy, PrimaryAndReplicasCheckedOnPatroniRest) {
    std::string cfg = Rendered().file("/etc/haproxy/haproxy.cfg");
    EXPECT_TRUE(has_line(cfg, "    mode tcp"));
    EXPECT_TRUE(has_line(cfg, "listen primary"));
    EXPECT_TRUE(has_line(cfg, "    bind *:5000"));
    EXPECT_TRUE(has_line(cfg, "    option httpchk OPTIONS /primary"));
    EXPECT_TRUE(has_line(cfg, "    bind *:5001"));
    EXPECT_TRUE(has_line(cfg, "    option httpchk OPTIONS /replica"));
    EXPECT_TRUE(has_line(cfg, "    http-check expect status 200"));
    EXPECT_TRUE(has_line(cfg, "    bind *:7000"));
    EXPECT_TRUE(has_line(cfg,
                         "    default-server inter 3s fastinter 1s downinter 1s fall 2 rise 1 "
                         "on-marked-down shutdown-sessions"));
    EXPECT_TRUE(has_line(cfg, "    server pg-3 10.0.0.13:5432 maxconn 100 check port 8008"));
    EXPECT_EQ(cfg.find("secret"), std::string::npos);
}

TEST(RenderFailoverTiming, TheImagesTimingReachesPatroniHaproxyAndKeepalived) {
    kiln::failover::Timing timing;
    timing.ttl = 24;
    timing.loop_wait = 3;
    timing.retry_timeout = 7;
    timing.watchdog_safety_margin = 4;
    timing.haproxy_check_interval = 2;
    timing.haproxy_fall = 4;
    timing.haproxy_rise = 3;
    timing.vrrp_advert_int = 5;
    Rendered r({}, "pg-1", kiln::image::NetworkBackend::ifupdown, "", timing);
    ASSERT_FALSE(r.report().has_errors()) << r.report().format(nullptr);
    YAML::Node patroni = YAML::Load(r.file("/etc/patroni/config.yml"));
    EXPECT_EQ(patroni["bootstrap"]["dcs"]["ttl"].as<int>(), 24);
    EXPECT_EQ(patroni["bootstrap"]["dcs"]["loop_wait"].as<int>(), 3);
    EXPECT_EQ(patroni["bootstrap"]["dcs"]["retry_timeout"].as<int>(), 7);
    EXPECT_EQ(patroni["watchdog"]["safety_margin"].as<int>(), 4);
    EXPECT_EQ(patroni["watchdog"]["mode"].as<std::string>(), "automatic") << "the base's mode";
    EXPECT_TRUE(patroni["bootstrap"]["dcs"]["synchronous_mode"].as<bool>()) << "the base's";
    EXPECT_TRUE(has_line(r.file("/etc/haproxy/haproxy.cfg"),
                         "    default-server inter 6s fastinter 2s downinter 2s fall 4 rise 3 "
                         "on-marked-down shutdown-sessions"));
    EXPECT_TRUE(has_line(r.file("/etc/keepalived/keepalived.conf"), "    advert_int 5"));
}

TEST(RenderKeepalived, PriorityPeersAuthAndTrackScript) {
    Rendered r(Changes{{"priority", "150"}});
    const auto* file = r.find("/etc/keepalived/keepalived.conf");
    ASSERT_TRUE(file);
    EXPECT_EQ(file->mode, 0600u);
    const std::string& cfg = file->content;
    EXPECT_TRUE(has_line(cfg, "    priority 150"));
    EXPECT_TRUE(has_line(cfg, "    enable_script_security"));
    EXPECT_TRUE(has_line(cfg, "    weight -253"));
    EXPECT_TRUE(has_line(cfg, "    unicast_src_ip 10.0.0.11"));
    EXPECT_TRUE(has_line(cfg, "        10.0.0.12"));
    EXPECT_TRUE(has_line(cfg, "        10.0.0.13"));
    EXPECT_FALSE(has_line(cfg, "        10.0.0.11")) << "self is not its own unicast peer";
    EXPECT_TRUE(has_line(cfg, "        auth_pass vrrp-4"));
    EXPECT_TRUE(has_line(cfg, "        10.0.0.100/24 dev ens192"));
    EXPECT_TRUE(has_line(cfg, "    virtual_router_id 51"));
    EXPECT_TRUE(has_line(
        Rendered(Changes{{"vrrp_password", "0123456789"}}).file("/etc/keepalived/keepalived.conf"),
        "        auth_pass 01234567"));
}

TEST(RenderIdentity, HostsHostnameKeysTimeAndZabbix) {
    Rendered r(Changes{{"timezone", "Europe/Berlin"}}, "pg-1.db.example.com");
    EXPECT_EQ(r.file("/etc/hostname"), "pg-1.db.example.com\n");
    std::string hosts = r.file("/etc/hosts");
    EXPECT_TRUE(has_line(hosts, "127.0.0.1\tlocalhost"));
    EXPECT_EQ(hosts.find("pg-template"), std::string::npos) << "the template's name is gone";
    EXPECT_TRUE(has_line(hosts, "10.0.0.11\tpg-1.db.example.com pg-1"));
    EXPECT_TRUE(has_line(hosts, "10.0.0.13\tpg-3"));
    EXPECT_EQ(kiln::firstboot::replace_block(hosts, "x\n"),
              kiln::firstboot::replace_block(kiln::firstboot::replace_block(hosts, "y\n"), "x\n"))
        << "re-rendering replaces kiln's block instead of adding one";
    const auto* keys = r.find("/home/kiln/.ssh/authorized_keys");
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->mode, 0600u);
    EXPECT_EQ(keys->owner, "kiln");
    EXPECT_TRUE(has_line(keys->content, kEd25519));
    const auto* localtime = r.find("/etc/localtime");
    ASSERT_TRUE(localtime);
    ASSERT_TRUE(localtime->symlink);
    EXPECT_EQ(*localtime->symlink, "/usr/share/zoneinfo/Europe/Berlin");
    EXPECT_TRUE(
        has_line(r.file("/etc/chrony/sources.d/kiln.sources"), "server 1.pool.ntp.org iburst"));
    std::string zabbix = r.file("/etc/zabbix/zabbix_agentd.d/60-kiln-server.conf");
    EXPECT_TRUE(has_line(zabbix, "Server=zabbix.example.com"));
    EXPECT_TRUE(has_line(zabbix, "Hostname=pg-1.db.example.com"));
}

TEST(RenderIdentity, ZabbixMainConfigIsEditedNotDuplicated) {
    TempDir dir;
    std::string original =
        "# agent\nServer=127.0.0.1\nServerActive=127.0.0.1\nHostname=Zabbix "
        "server\nInclude=/etc/zabbix/zabbix_agentd.d/*.conf\n";
    std::string edited = replace_settings(original, {"Server", "ServerActive", "Hostname"},
                                          {"Server=z", "ServerActive=z", "Hostname=pg-1"});
    EXPECT_EQ(edited.find("127.0.0.1"), std::string::npos);
    EXPECT_TRUE(has_line(edited, "Include=/etc/zabbix/zabbix_agentd.d/*.conf"));
    EXPECT_TRUE(has_line(edited, "Server=z"));
    EXPECT_EQ(replace_settings(edited, {"Server", "ServerActive", "Hostname"},
                               {"Server=z", "ServerActive=z", "Hostname=pg-1"}),
              edited);
}

TEST(RenderNetwork, StaticAddressForIfupdownNetworkdAndIfcfg) {
    using kiln::image::NetworkBackend;
    std::map<std::string, std::string> net = {
        {"address", "10.0.0.11/24"}, {"gateway", "10.0.0.1"}, {"dns", "10.0.0.2,10.0.0.3"}};
    std::string ifupdown = Rendered(net).file("/etc/network/interfaces.d/60-kiln-ens192");
    EXPECT_TRUE(has_line(ifupdown, "iface ens192 inet static"));
    EXPECT_TRUE(has_line(ifupdown, "    address 10.0.0.11/24"));
    EXPECT_TRUE(has_line(ifupdown, "    dns-nameservers 10.0.0.2 10.0.0.3"));
    std::string networkd = Rendered(net, "pg-1", NetworkBackend::networkd)
                               .file("/etc/systemd/network/10-kiln-ens192.network");
    EXPECT_TRUE(has_line(networkd, "Address=10.0.0.11/24"));
    EXPECT_TRUE(has_line(networkd, "Gateway=10.0.0.1"));
    EXPECT_TRUE(has_line(networkd, "DNS=10.0.0.3"));
    std::string ifcfg = Rendered(net, "pg-1", NetworkBackend::ifcfg)
                            .file("/etc/sysconfig/network-scripts/ifcfg-ens192");
    EXPECT_TRUE(has_line(ifcfg, "IPADDR=10.0.0.11"));
    EXPECT_TRUE(has_line(ifcfg, "PREFIX=24"));
    EXPECT_TRUE(has_line(ifcfg, "DNS2=10.0.0.3"));
    EXPECT_FALSE(Rendered().find("/etc/network/interfaces.d/60-kiln-ens192"))
        << "DHCP: nothing written";
}

TEST(RenderNetwork, TheTemplatesDhcpStanzaForTheInterfaceIsDisabled) {
    std::string interfaces =
        "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nallow-hotplug "
        "ens192\n"
        "iface ens192 inet dhcp\n    hostname template\n\nauto ens224\niface ens224 inet dhcp\n";
    std::string edited = disable_ifupdown_stanzas(interfaces, "ens192");
    EXPECT_TRUE(has_line(edited, "source /etc/network/interfaces.d/*"));
    EXPECT_TRUE(has_line(edited, "iface lo inet loopback"));
    EXPECT_TRUE(has_line(edited, "iface ens224 inet dhcp")) << "other interfaces stay";
    EXPECT_TRUE(has_line(
        edited,
        "# disabled by kiln-firstboot (see interfaces.d/60-kiln-ens192): iface ens192 inet dhcp"));
    EXPECT_TRUE(has_line(
        edited,
        "# disabled by kiln-firstboot (see interfaces.d/60-kiln-ens192):     hostname template"));
    EXPECT_TRUE(has_line(
        edited,
        "# disabled by kiln-firstboot (see interfaces.d/60-kiln-ens192): allow-hotplug ens192"));
    EXPECT_EQ(disable_ifupdown_stanzas(edited, "ens192"), edited) << "idempotent";
    EXPECT_EQ(disable_ifupdown_stanzas("auto lo\niface lo inet loopback\n", "ens192"),
              "auto lo\niface lo inet loopback\n");
}

TEST(RenderPatroni, MissingBaseConfigIsAnError) {
    Rendered r;
    fs::remove(r.root() / "etc/kiln/patroni.base.yml");
    // Render again against the root without its base.
    kiln::Report report;
    kiln::Accounts accounts;
    NodeConfig node;
    node.peers = {{"pg-1", "10.0.0.11"}};
    node.self = node.peers[0];
    RootDir root(r.root());
    RenderContext context{node, root, accounts, layout_for(kiln::image::OsFamily::debian), {}};
    Rendering out;
    render_patroni(context, out, report);
    EXPECT_TRUE(report.has_errors());
    EXPECT_NE(report.format(nullptr).find(
                  "/etc/kiln/patroni.base.yml: error: cannot read the baked Patroni base config"),
              std::string::npos);
    EXPECT_TRUE(out.files.empty());
}

// The base config is YAML from the image: an alias that contains itself, or aliases that expand
// to millions of values, stop the emitter with an error instead of overflowing the stack.
TEST(RenderPatroni, BaseConfigWithAnAliasCycleOrAnAliasBombIsAnError) {
    std::string bomb = "scope: x\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (char c = 'b'; c <= 'h'; ++c)
        bomb += std::string(1, c) + ": &" + c + " [" +
                fmt::format("{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}",
                            std::string("*") + static_cast<char>(c - 1)) +
                "]\n";
    for (const auto& [base, expected] : std::vector<std::pair<std::string, std::string>>{
             {"scope: x\nloop: &r [*r]\n",
              "2:7: error: the baked Patroni base config: an alias refers to a list or mapping "
              "that contains it"},
             {"scope: x\nloop: &r {self: *r}\n",
              "an alias refers to a list or mapping that contains it"},
             {bomb, "more than 200000 values with its aliases expanded (the limit)"}}) {
        Rendered r;
        write_file(r.root() / "etc/kiln/patroni.base.yml", base);
        kiln::Report report;
        kiln::Accounts accounts;
        NodeConfig node;
        node.peers = {{"pg-1", "10.0.0.11"}};
        node.self = node.peers[0];
        node.vip = "10.0.0.100/24";
        RootDir root(r.root());
        RenderContext context{node, root, accounts, layout_for(kiln::image::OsFamily::debian), {}};
        Rendering out;
        render_patroni(context, out, report);
        EXPECT_NE(report.format(nullptr).find(expected), std::string::npos)
            << report.format(nullptr);
        EXPECT_TRUE(out.files.empty());
    }
}

TEST(RenderIpv6, BracketedUrlsAndNoVrrpAuthentication) {
    Rendered r(Changes{{"peers", "pg-1=2001:db8::11,pg-2=2001:db8::12,pg-3=2001:db8::13"},
                       {"vip", "2001:db8::100/64"}});
    std::string keepalived = r.file("/etc/keepalived/keepalived.conf");
    EXPECT_EQ(keepalived.find("authentication"), std::string::npos)
        << "VRRP v3 has no authentication";
    EXPECT_TRUE(has_line(keepalived, "        2001:db8::100/64 dev ens192"));
    EXPECT_TRUE(has_line(keepalived, "    unicast_src_ip 2001:db8::11"));
    YAML::Node config = YAML::Load(r.file("/etc/patroni/config.yml"));
    EXPECT_EQ(config["etcd3"]["hosts"][1].as<std::string>(), "[2001:db8::12]:2379");
    EXPECT_EQ(config["restapi"]["connect_address"].as<std::string>(), "[2001:db8::11]:8008");
    EXPECT_TRUE(has_line(r.file("/etc/default/etcd"),
                         "ETCD_LISTEN_PEER_URLS=\"http://[2001:db8::11]:2380\""));
}
