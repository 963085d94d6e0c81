#include "systemd/bus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>

#include "../../unit/firstboot/test_support.hpp"
#include "fake_systemd.hpp"
#include "first_boot.hpp"
#include "kiln/error.hpp"
#include "kiln/process.hpp"
#include "systemd/hostname.hpp"
#include "systemd/manager.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;
using kiln::find_program;
using namespace std::chrono_literals;

namespace {

class BusTest : public ::testing::Test {
protected:
    TempDir dir;
    PrivateBus daemon{dir.path()};
    FakeSystemd systemd{daemon.address()};
    bus::Bus client = bus::open_bus(daemon.address());
};

std::vector<std::string> starting_with(const std::vector<std::string>& calls,
                                       const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& c : calls)
        if (c.starts_with(prefix)) out.push_back(c);
    return out;
}

}  // namespace

TEST_F(BusTest, StartUnitWaitsForItsJobRemoved) {
    SystemdManager manager(client.get());
    manager.start("etcd.service", 5s);
    manager.start("patroni.service", 5s);
    auto calls = systemd.recorded();
    EXPECT_EQ(calls, (std::vector<std::string>{"Subscribe", "StartUnit etcd.service",
                                               "StartUnit patroni.service"}));
}

TEST_F(BusTest, TheServersNotChosenAreDisabledAndMaskedForGood) {
    SystemdManager manager(client.get());
    manager.disable_and_mask({"etcd.service", "consul.service"}, 5s);
    manager.unmask({"zookeeper.service"}, 5s);
    EXPECT_EQ(systemd.recorded(),
              (std::vector<std::string>{
                  "Subscribe", "DisableUnitFiles etcd.service,consul.service persistent",
                  "MaskUnitFiles etcd.service,consul.service persistent", "Reload",
                  "UnmaskUnitFiles zookeeper.service persistent", "Reload"}));
}

TEST_F(BusTest, AFailedJobNamesTheUnitAndResult) {
    systemd.results["patroni.service"] = "failed";
    SystemdManager manager(client.get());
    try {
        manager.start("patroni.service", 5s);
        FAIL() << "a failed job was taken for success";
    } catch (const kiln::Error& e) {
        EXPECT_STREQ(e.what(),
                     "starting patroni.service failed: job result 'failed' (see journalctl -u "
                     "patroni.service)");
    }
    systemd.results["haproxy.service"] = "dependency";
    EXPECT_THROW(manager.start("haproxy.service", 5s), kiln::Error);
}

TEST_F(BusTest, AHungJobTimesOut) {
    systemd.results["etcd.service"] = "never";
    SystemdManager manager(client.get());
    auto start = std::chrono::steady_clock::now();
    try {
        manager.start("etcd.service", 300ms);
        FAIL() << "no timeout";
    } catch (const kiln::Error& e) {
        EXPECT_NE(std::string(e.what()).find("waiting for etcd.service to start"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(BusTest, ErrorsAreCheckedByName) {
    SystemdManager manager(client.get());
    try {
        manager.start("nosuch.service", 5s);
        FAIL();
    } catch (const bus::BusError& e) {
        EXPECT_EQ(e.name(), "org.freedesktop.systemd1.NoSuchUnit");
        EXPECT_NE(
            std::string(e.what()).find("StartUnit nosuch.service: Unit nosuch.service not found."),
            std::string::npos);
    }
}

TEST_F(BusTest, EnableThenReload) {
    SystemdManager manager(client.get());
    manager.enable({"etcd.service", "patroni.service"}, 5s);
    auto calls = systemd.recorded();
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[1], "EnableUnitFiles etcd.service,patroni.service persistent");
    EXPECT_EQ(calls[2], "Reload");
}

// A busy manager (three guests on two cores) answered Reload after sd-bus's default 25 s and
// failed a first boot whose units had all started: the caller's timeout governs, both ways.
TEST_F(BusTest, ReloadWaitsAsLongAsTheCallerAllows) {
    SystemdManager manager(client.get());
    systemd.reload_delay_ms = 1500;
    EXPECT_NO_THROW(manager.enable({"etcd.service"}, 10s));
    try {
        manager.enable({"etcd.service"}, 500ms);
        FAIL() << "a Reload slower than the timeout passed";
    } catch (const bus::BusError& e) {
        EXPECT_NE(std::string(e.what()).find("Reload"), std::string::npos) << e.what();
    }
}

TEST_F(BusTest, HostnameThroughHostname1) {
    set_hostname_over_bus(client.get(), "pg-2");
    EXPECT_EQ(systemd.recorded(),
              (std::vector<std::string>{"SetStaticHostname pg-2", "SetHostname pg-2"}));
}

TEST(BusOpen, NoDaemonIsAClearError) {
    TempDir dir;
    try {
        bus::open_bus("unix:path=" + (dir / "none").string());
        FAIL();
    } catch (const bus::BusError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot connect to the bus at unix:path="),
                  std::string::npos);
    }
}

// The whole first boot on a temporary root: guestinfo through the fake open-vm-tools, units
// through the fake systemd on a private bus.
class FirstBoot : public ::testing::Test {
protected:
    FirstBoot() {
        root = dir / "root";
        make_image_root(root);
        mark_vmware(root);
        fs::create_directories(root / "etc/ssh");
        write_file(root / "etc/machine-id", "");
        set_node_metadata();
    }

    void set_node_metadata() {
        vm.set("guestinfo.kiln.hostname", "pg-2");
        vm.set("guestinfo.kiln.instance_id", "i-0002");
        vm.set("guestinfo.kiln.priority", "90");
        vm.set("guestinfo.kiln.peers", "pg-1=10.0.0.11,pg-2=10.0.0.12,pg-3=10.0.0.13");
        vm.set("guestinfo.kiln.vip", "10.0.0.100/24");
        vm.set("guestinfo.kiln.ssh_authorized_keys", kEd25519);
        vm.set("guestinfo.kiln.postgres_password", "pg-secret");
        vm.set("guestinfo.kiln.replication_password", "repl-secret");
        vm.set("guestinfo.kiln.rest_password", "rest-secret");
        vm.set("guestinfo.kiln.vrrp_password", "vrrp-sec");
    }

    kiln::ExitCode run(bool reconfigure = false) {
        RunOptions o;
        o.root = root;
        o.bus_address = daemon.address();
        o.unit_timeout = std::chrono::seconds(5);
        o.reconfigure = reconfigure;
        o.check = false;  // the checkers have their own test
        Log log;
        return run_first_boot(o, log);
    }

    TempDir dir;
    fs::path root;
    FakeVmware vm{dir / "vm"};
    PrivateBus daemon{dir.path()};
    FakeSystemd systemd{daemon.address()};
};

TEST_F(FirstBoot, ConfiguresStartsInOrderReportsStampsAndScrubs) {
    ASSERT_EQ(run(), kiln::ExitCode::ok);
    auto calls = systemd.recorded();
    EXPECT_EQ(
        starting_with(calls, "StartUnit"),
        (std::vector<std::string>{"StartUnit etcd.service", "StartUnit patroni.service",
                                  "StartUnit haproxy.service", "StartUnit keepalived.service"}));
    EXPECT_EQ(starting_with(calls, "SetStaticHostname"),
              std::vector<std::string>{"SetStaticHostname pg-2"});
    ASSERT_FALSE(starting_with(calls, "EnableUnitFiles").empty());
    EXPECT_EQ(calls.back(), "Reload") << "enabled only after every start succeeded";
    // committed
    EXPECT_EQ(read_file(root / "etc/hostname"), "pg-2\n");
    EXPECT_TRUE(fs::exists(root / "etc/patroni/config.yml"));
    EXPECT_TRUE(fs::exists(root / "var/lib/kiln/configured"));
    auto stamp = nlohmann::json::parse(read_file(root / "var/lib/kiln/stamp.json"));
    EXPECT_EQ(stamp["instance_id"], "i-0002");
    // reported
    auto status = nlohmann::json::parse(read_file(root / "run/kiln/status.json"));
    EXPECT_EQ(status["status"], "ok");
    EXPECT_EQ(status["units_started"].size(), 4u);
    // The timeline: every stage and unit start in order, each ending at or after its start and
    // no earlier than the one before began.
    std::vector<std::string> spans;
    double previous_start = 0;
    for (const auto& span : status["timeline"]) {
        spans.push_back(span["name"]);
        EXPECT_GE(span["start"].get<double>(), previous_start) << span.dump();
        ASSERT_TRUE(span.contains("end")) << span.dump();
        EXPECT_GE(span["end"].get<double>(), span["start"].get<double>()) << span.dump();
        previous_start = span["start"];
    }
    EXPECT_EQ(spans,
              (std::vector<std::string>{"collect", "validate", "render", "commit", "identity",
                                        "start", "etcd.service", "patroni.service",
                                        "haproxy.service", "keepalived.service", "stamp"}));
    EXPECT_EQ(read_file(root / "run/kiln/status.json").find("secret"), std::string::npos);
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
    // scrubbed: secret-bearing guestinfo keys overwritten, the others kept
    EXPECT_EQ(vm.get("guestinfo.kiln.postgres_password"), "---");
    EXPECT_EQ(vm.get("guestinfo.kiln.vrrp_password"), "---");
    EXPECT_EQ(vm.get("guestinfo.kiln.hostname"), "pg-2");
    // identity
    if (find_program("ssh-keygen")) {
        EXPECT_TRUE(fs::exists(root / "etc/ssh/ssh_host_ed25519_key"));
        EXPECT_TRUE(fs::exists(root / "etc/ssh/ssh_host_ecdsa_key.pub"));
        EXPECT_FALSE(fs::exists(root / "etc/ssh/ssh_host_rsa_key")) << "no RSA key to wait for";
    }
    if (find_program("systemd-machine-id-setup")) {
        EXPECT_EQ(read_file(root / "etc/machine-id").size(), 33u);
    }

    // A normal boot afterwards changes nothing but its status report, although the secrets
    // are gone from guestinfo.
    auto before = snapshot(root);
    before.erase("run/kiln/status.json");
    std::size_t call_count = systemd.recorded().size();
    EXPECT_EQ(run(), kiln::ExitCode::ok);
    EXPECT_EQ(systemd.recorded().size(), call_count);
    auto after = snapshot(root);
    after.erase("run/kiln/status.json");
    EXPECT_EQ(after, before);
}

// Secrets filled in as OVF properties at deploy: vCenter hands them over in guestinfo.ovfEnv,
// readable by any process in the guest, and injects the environment again at every power-on.
// First boot rewrites it without its secret properties, and so does every later boot.
TEST_F(FirstBoot, EveryBootRewritesTheOvfEnvironmentWithoutItsSecrets) {
    const std::vector<std::pair<std::string, std::string>> properties = {
        {"kiln.hostname", "pg-2"},
        {"kiln.postgres_password", "ovf-pg-secret"},
        {"kiln.replication_password", "ovf-repl-secret"},
        {"kiln.rest_password", "ovf-rest-secret"},
        {"kiln.vrrp_password", "ovf-vrrp"}};
    for (const char* key :
         {"postgres_password", "replication_password", "rest_password", "vrrp_password"})
        vm.erase(std::string("guestinfo.kiln.") + key);
    vm.set("guestinfo.ovfEnv", ovf_env(properties));
    auto no_secret_in = [](const std::string& xml) {
        for (const char* secret :
             {"ovf-pg-secret", "ovf-repl-secret", "ovf-rest-secret", "ovf-vrrp"})
            if (xml.find(secret) != std::string::npos) return false;
        return true;
    };

    ASSERT_EQ(run(), kiln::ExitCode::ok);
    EXPECT_NE(read_file(root / "etc/patroni/config.yml").find("ovf-repl-secret"), std::string::npos)
        << "the secrets came from the OVF environment";
    std::string after_first = vm.get("guestinfo.ovfEnv");
    EXPECT_TRUE(no_secret_in(after_first)) << after_first;
    EXPECT_NE(after_first.find("oe:key=\"kiln.hostname\""), std::string::npos)
        << "the other properties stay: " << after_first;

    vm.set("guestinfo.ovfEnv", ovf_env(properties));  // the next power-on
    ASSERT_EQ(run(), kiln::ExitCode::ok);
    std::string after_second = vm.get("guestinfo.ovfEnv");
    EXPECT_TRUE(no_secret_in(after_second)) << after_second;
}

// A node powered on before its peers: its DCS member cannot start until a majority runs, which
// may take far longer than any unit's timeout. First boot waits (saying so in status.json and
// guestinfo) instead of rolling back, and finishes when the member starts.
TEST_F(FirstBoot, TheDcsMemberWaitsForItsQuorumLongerThanTheUnitTimeout) {
    systemd.start_delays["etcd.service"] = std::chrono::seconds(14);  // unit timeout: 5 s
    auto boot = std::async(std::launch::async, [this] { return run(); });
    bool reported_waiting = false;
    std::string seen;
    for (int i = 0;
         i < 200 && boot.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready;
         ++i) {
        std::string status = read_file(root / "run/kiln/status.json");
        if (status.find("\"status\": \"waiting\"") != std::string::npos &&
            status.find("waiting for quorum (") != std::string::npos) {
            reported_waiting = true;
            seen = vm.get("guestinfo.kiln.status");
        }
    }
    ASSERT_EQ(boot.get(), kiln::ExitCode::ok);
    EXPECT_TRUE(reported_waiting) << "status.json never said it waits for the quorum";
    EXPECT_EQ(seen.rfind("waiting: waiting for quorum (", 0), 0u) << seen;
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
    auto calls = systemd.recorded();
    EXPECT_EQ(std::count(calls.begin(), calls.end(), "StopUnit etcd.service"), 0)
        << "nothing rolled back";
    EXPECT_TRUE(fs::exists(root / "var/lib/kiln/stamp.json"));
}

TEST_F(FirstBoot, AStaticAddressIsAppliedBeforeTheClusterStarts) {
    vm.set("guestinfo.kiln.interface", "ens3");
    vm.set("guestinfo.kiln.address", "10.0.0.12/24");
    ASSERT_EQ(run(), kiln::ExitCode::ok);
    auto calls = systemd.recorded();
    auto restart = std::find(calls.begin(), calls.end(), "RestartUnit networking.service");
    auto etcd = std::find(calls.begin(), calls.end(), "StartUnit etcd.service");
    ASSERT_NE(restart, calls.end()) << "the boot raised the network before the file existed";
    EXPECT_LT(restart, etcd) << "peers are reachable only once the address is up";
    EXPECT_NE(
        read_file(root / "etc/network/interfaces.d/60-kiln-ens3").find("address 10.0.0.12/24"),
        std::string::npos);
}

TEST_F(FirstBoot, AFailingNetworkRestartStartsNoClusterUnit) {
    vm.set("guestinfo.kiln.interface", "ens3");
    vm.set("guestinfo.kiln.address", "10.0.0.12/24");
    systemd.results["networking.service"] = "failed";
    EXPECT_EQ(run(), kiln::ExitCode::failed);
    EXPECT_TRUE(starting_with(systemd.recorded(), "StartUnit").empty());
    EXPECT_EQ(
        vm.get("guestinfo.kiln.status")
            .rfind("error: network: restarting networking.service failed: job result 'failed'", 0),
        0u)
        << vm.get("guestinfo.kiln.status");
    EXPECT_FALSE(fs::exists(root / "var/lib/kiln/stamp.json"));
    EXPECT_FALSE(fs::exists(root / "var/lib/kiln/configured"));
}

TEST_F(FirstBoot, AFailedUnitStopsWhatStartedAndLeavesNoStamp) {
    systemd.results["patroni.service"] = "failed";
    EXPECT_EQ(run(), kiln::ExitCode::failed);
    auto calls = systemd.recorded();
    EXPECT_EQ(starting_with(calls, "StartUnit"),
              (std::vector<std::string>{"StartUnit etcd.service", "StartUnit patroni.service"}));
    EXPECT_EQ(starting_with(calls, "StopUnit"), std::vector<std::string>{"StopUnit etcd.service"});
    EXPECT_TRUE(starting_with(calls, "EnableUnitFiles").empty())
        << "nothing enabled for later boots";
    EXPECT_FALSE(fs::exists(root / "var/lib/kiln/configured"));
    EXPECT_FALSE(fs::exists(root / "var/lib/kiln/stamp.json"));
    auto status = nlohmann::json::parse(read_file(root / "run/kiln/status.json"));
    EXPECT_EQ(status["status"], "error");
    EXPECT_EQ(status["stage"], "start");
    // The failed unit's span and its stage's have no end.
    const auto& timeline = status["timeline"];
    ASSERT_GE(timeline.size(), 2u);
    EXPECT_EQ(timeline.back()["name"], "patroni.service");
    EXPECT_FALSE(timeline.back().contains("end"));
    EXPECT_EQ(timeline[timeline.size() - 3]["name"], "start");
    EXPECT_FALSE(timeline[timeline.size() - 3].contains("end"));
    EXPECT_EQ(vm.get("guestinfo.kiln.status")
                  .rfind("error: start: starting patroni.service failed: job result 'failed'", 0),
              0u)
        << vm.get("guestinfo.kiln.status");
    EXPECT_EQ(vm.get("guestinfo.kiln.postgres_password"), "pg-secret")
        << "not scrubbed: a retry needs them";

    // Fixed and re-run: converges.
    systemd.results.clear();
    EXPECT_EQ(run(), kiln::ExitCode::ok);
    EXPECT_TRUE(fs::exists(root / "var/lib/kiln/stamp.json"));
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
}

TEST_F(FirstBoot, InvalidMetadataStartsNothingAndSaysWhyInGuestinfo) {
    vm.set("guestinfo.kiln.priority", "0");
    auto before = snapshot(root);
    EXPECT_EQ(run(), kiln::ExitCode::invalid_input);
    EXPECT_TRUE(systemd.recorded().empty());
    std::string status = vm.get("guestinfo.kiln.status");
    EXPECT_EQ(status.rfind("error: validate: ", 0), 0u) << status;
    EXPECT_NE(status.find("guestinfo.kiln.priority: 'priority' from guestinfo: '0' is not an "
                          "integer from 1 to 254"),
              std::string::npos)
        << status;
    auto after = snapshot(root);
    after.erase("run/");
    after.erase("run/kiln/");
    after.erase("run/kiln/status.json");
    EXPECT_EQ(after, before) << "only the status file was written";
}

TEST_F(FirstBoot, NoMetadataAtAllLeavesTheNodeUnconfiguredWithoutFailing) {
    fs::remove_all(dir / "vm" / "store");  // a VMware VM whose guestinfo holds no kiln key
    fs::create_directories(dir / "vm" / "store");
    auto before = snapshot(root);
    EXPECT_EQ(run(), kiln::ExitCode::ok) << "the template's own boot must not fail its unit";
    EXPECT_TRUE(systemd.recorded().empty()) << "nothing started, nothing enabled";
    auto status = nlohmann::json::parse(read_file(root / "run/kiln/status.json"));
    EXPECT_EQ(status["status"], "waiting") << "not an error";
    EXPECT_EQ(status["stage"], "waiting");
    EXPECT_EQ(vm.get("guestinfo.kiln.status").rfind("waiting: no node metadata", 0), 0u)
        << vm.get("guestinfo.kiln.status");
    auto after = snapshot(root);
    after.erase("run/");
    after.erase("run/kiln/");
    after.erase("run/kiln/status.json");
    EXPECT_EQ(after, before) << "only the status file was written";

    // The clone's next boot has metadata: configured then.
    set_node_metadata();
    EXPECT_EQ(run(), kiln::ExitCode::ok);
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
}

TEST_F(FirstBoot, EveryLaterBootReportsTheNodeConfigured) {
    ASSERT_EQ(run(), kiln::ExitCode::ok);
    std::size_t calls = systemd.recorded().size();
    // A reboot: /run is empty again and the guestinfo status is whatever was left.
    fs::remove_all(root / "run/kiln");
    vm.set("guestinfo.kiln.status", "stale");
    EXPECT_EQ(run(), kiln::ExitCode::ok);
    EXPECT_EQ(systemd.recorded().size(), calls) << "nothing started again: the units are enabled";
    auto status = nlohmann::json::parse(read_file(root / "run/kiln/status.json"));
    EXPECT_EQ(status["status"], "ok");
    EXPECT_EQ(status["stage"], "done");
    EXPECT_NE(status["message"].get<std::string>().find("nothing to apply this boot"),
              std::string::npos);
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");

    // A later boot whose metadata is gone altogether (keys removed) keeps and reports it too.
    fs::remove_all(root / "run/kiln");
    fs::remove_all(dir / "vm" / "store");
    fs::create_directories(dir / "vm" / "store");
    EXPECT_EQ(run(), kiln::ExitCode::ok);
    status = nlohmann::json::parse(read_file(root / "run/kiln/status.json"));
    EXPECT_EQ(status["status"], "ok");
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
}

TEST_F(FirstBoot, NewInstanceIdOrReconfigureRunsAgain) {
    ASSERT_EQ(run(), kiln::ExitCode::ok);
    std::size_t starts = starting_with(systemd.recorded(), "StartUnit").size();
    // Secrets were scrubbed; a reconfigure brings them back with the change.
    vm.set("guestinfo.kiln.postgres_password", "pg-secret");
    vm.set("guestinfo.kiln.replication_password", "repl-secret");
    vm.set("guestinfo.kiln.rest_password", "rest-secret");
    vm.set("guestinfo.kiln.vrrp_password", "vrrp-sec");
    vm.set("guestinfo.kiln.priority", "95");
    EXPECT_EQ(run(/*reconfigure=*/true), kiln::ExitCode::ok);
    EXPECT_EQ(starting_with(systemd.recorded(), "StartUnit").size(), 2 * starts);
    EXPECT_NE(read_file(root / "etc/keepalived/keepalived.conf").find("priority 95"),
              std::string::npos);
    // Same metadata again: nothing to do.
    vm.set("guestinfo.kiln.postgres_password", "pg-secret");
    vm.set("guestinfo.kiln.replication_password", "repl-secret");
    vm.set("guestinfo.kiln.rest_password", "rest-secret");
    vm.set("guestinfo.kiln.vrrp_password", "vrrp-sec");
    EXPECT_EQ(run(true), kiln::ExitCode::ok);
    EXPECT_EQ(starting_with(systemd.recorded(), "StartUnit").size(), 2 * starts);
}

TEST_F(FirstBoot, ImagesCanKeepTheirGuestinfoSecrets) {
    kiln::image::ImageConfig config;
    config.services = {"etcd.service"};
    config.scrub_secrets = false;
    config.tls = false;  // this fixture's metadata carries no certificates
    config.defaults = {{"cluster", "pg-ha"}, {"vip_interface", "ens192"}, {"dcs", "etcd"}};
    write_file(root / "etc/kiln/image.yml", kiln::image::to_yaml(config));
    ASSERT_EQ(run(), kiln::ExitCode::ok);
    EXPECT_EQ(starting_with(systemd.recorded(), "StartUnit"),
              std::vector<std::string>{"StartUnit etcd.service"});
    EXPECT_EQ(vm.get("guestinfo.kiln.postgres_password"), "pg-secret");
    EXPECT_EQ(vm.get("guestinfo.kiln.status"), "ok");
}
