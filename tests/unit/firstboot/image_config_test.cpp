// /etc/kiln/image.yml: the builder writes it with to_yaml(), kiln-firstboot reads it back.
#include "kiln/image_config.hpp"

#include <gtest/gtest.h>

#include "sources/collect.hpp"
#include "test_support.hpp"

using namespace kiln;
using namespace kiln::firstboot::test;

namespace {

// Parses `text` as image.yml and expects every one of `expected` in the report.
void expect_reported(const std::string& text, std::initializer_list<const char*> expected) {
    SourceFiles sources;
    Report report;
    image::parse_image_config("image.yml", text, sources, report);
    std::string out = report.format(nullptr);
    for (const char* message : expected)
        EXPECT_NE(out.find(message), std::string::npos) << message << "\n" << out;
}

}  // namespace

TEST(ImageConfig, RoundTripsThroughYaml) {
    image::ImageConfig c;
    c.os_family = image::OsFamily::el;
    c.network = image::NetworkBackend::ifcfg;
    c.dcs = "etcd";
    c.services = {"etcd.service", "patroni.service"};
    c.admin_user = "ops";
    c.scrub_secrets = false;
    c.postgres_bin_dir = "/usr/pgsql-15/bin";
    c.postgres_data_dir = "/var/lib/pgsql/15/data";
    c.defaults = {{"cluster", "pg-ha"},
                  {"ntp_servers", "0.pool.ntp.org,1.pool.ntp.org"},
                  {"timezone", "UTC"}};
    SourceFiles sources;
    Report report;
    auto back = image::parse_image_config("image.yml", image::to_yaml(c), sources, report);
    ASSERT_TRUE(back);
    EXPECT_TRUE(report.empty()) << report.format(&sources);
    EXPECT_EQ(back->os_family, image::OsFamily::el);
    EXPECT_EQ(back->network, image::NetworkBackend::ifcfg);
    EXPECT_EQ(back->services, c.services);
    EXPECT_EQ(back->admin_user, "ops");
    EXPECT_FALSE(back->scrub_secrets);
    EXPECT_EQ(back->postgres_bin_dir, "/usr/pgsql-15/bin");
    EXPECT_EQ(back->defaults, c.defaults);
    EXPECT_EQ(back->default_where["cluster"].file, "image.yml");
    EXPECT_GT(back->default_where["cluster"].line, 1);
}

TEST(ImageConfig, TheDcsServersRoundTripAndAnOlderImageCarriesItsDcsAlone) {
    image::ImageConfig c;
    c.dcs = "zookeeper";
    c.dcs_servers = {"etcd", "zookeeper"};
    SourceFiles sources;
    Report report;
    auto back = image::parse_image_config("image.yml", image::to_yaml(c), sources, report);
    ASSERT_TRUE(back);
    EXPECT_TRUE(report.empty()) << report.format(&sources);
    EXPECT_EQ(image::carried_dcs_servers(*back), c.dcs_servers);
    auto older = image::parse_image_config("image.yml", "version: 1\ndcs: etcd\n", sources, report);
    ASSERT_TRUE(older);
    EXPECT_EQ(image::carried_dcs_servers(*older), std::vector<std::string>{"etcd"});
    expect_reported("dcs: consul\ndcs_servers: [etcd, redis, etcd]\n",
                    {"'dcs_servers': 'redis' is not one of etcd, zookeeper, consul",
                     "DCS server 'etcd' appears twice",
                     "'dcs': 'consul' is not among the image's 'dcs_servers'"});
}

TEST(ImageConfig, TheFailoverTimingRoundTripsAndItsRulesAreCheckedAgain) {
    image::ImageConfig c;
    c.failover.ttl = 20;
    c.failover.retry_timeout = 9;
    c.failover.haproxy_rise = 3;
    c.failover.vrrp_advert_int = 2;
    SourceFiles sources;
    Report report;
    auto back = image::parse_image_config("image.yml", image::to_yaml(c), sources, report);
    ASSERT_TRUE(back);
    EXPECT_TRUE(report.empty()) << report.format(&sources);
    EXPECT_EQ(back->failover, c.failover);
    auto older = image::parse_image_config("image.yml", "version: 1\n", sources, report);
    ASSERT_TRUE(older);
    EXPECT_EQ(older->failover, failover::Timing{}) << "an image.yml without it: the defaults";
    // A hand-edited image.yml is held to the profile's rules.
    expect_reported("version: 1\nfailover:\n  ttl: 10\n",
                    {"image.yml:3:8: error: 'failover': loop_wait + 2 * retry_timeout (2 + 2 * 9 "
                     "= 20) must not exceed ttl (10)"});
    expect_reported("version: 1\nfailover:\n  ttl: 12\n  watchdog_safety_margin: 10\n",
                    {"image.yml:4:27: error: 'failover': the watchdog fires at"});
    expect_reported("version: 1\nfailover: {haproxy_fall: x}\n",
                    {"'failover.haproxy_fall' must be an integer from 1 to 100, found 'x'"});
}

TEST(ImageConfig, EveryFieldIsCheckedAndSecretsAreRefused) {
    std::string text =
        "version: 2\nos_family: arch\nnetwork: netplan\ndcs: mongodb\nservices: [etcd.service, "
        "etcd.service, 'bad unit']\n"
        "admin_user: Root\nscrub_secrets: maybe\npostgresql: {bin_dir: relative/bin}\n"
        "defaults:\n  postgres_password: x\n  prority: 1\n  priority: 900\nfuture_key: 1\n";
    expect_reported(
        text,
        {"image.yml:1:10: error: unsupported image configuration version '2'",
         "image.yml:2:12: error: 'os_family' must be one of debian, el; found 'arch'",
         "'network' must be one of ifupdown, networkd, ifcfg; found 'netplan'",
         "'dcs': 'mongodb' is not one of", "service 'etcd.service' appears twice",
         "is not a valid systemd unit name", "'admin_user': 'Root'",
         "'scrub_secrets' must be true or false", "'postgresql.bin_dir' must be an absolute path",
         "image.yml:10:3: error: 'postgres_password' is a secret and cannot have a default",
         "unknown node key 'prority' in 'defaults' (did you mean 'priority'?)",
         "'defaults.priority': '900' is not an integer from 1 to 254",
         "warning: unknown key 'future_key'"});
}

TEST(ImageConfig, CollectUsesItsDefaultsAndFallsBackWithAWarning) {
    TempDir root;
    make_image_root(root.path(), {{"cluster", "baked"}, {"timezone", "Europe/Berlin"}});
    auto c = kiln::firstboot::collect(kiln::firstboot::RootDir(root.path()), {}, nullptr);
    ASSERT_TRUE(c.metadata.get("cluster"));
    ASSERT_TRUE(c.metadata.get("timezone"));
    EXPECT_EQ(c.metadata.get("cluster")->text, "baked");
    EXPECT_EQ(c.metadata.get("timezone")->transport, kiln::firstboot::Transport::defaults);
    EXPECT_EQ(c.image.services.size(), 4u);
    TempDir empty;
    auto d = kiln::firstboot::collect(kiln::firstboot::RootDir(empty.path()), {}, nullptr);
    EXPECT_EQ(d.report.warning_count(), 1u);
    EXPECT_EQ(d.image.services.front(), "etcd.service");
}

// The same reader as profiles: unknown keys get the "did you mean" hint, wrong types their
// file:line:col.
TEST(ImageConfig, UnknownKeysAndWrongTypesAreReportedLikeInProfiles) {
    std::string text =
        "version: 1\nadmin_usr: ops\nservices: {a: b}\npostgresql: {bin_dri: /usr/bin}\n";
    expect_reported(
        text, {"image.yml:2:1: warning: unknown key 'admin_usr' in 'the image configuration' (did "
               "you mean 'admin_user'?)",
               "image.yml:3:11: error: 'services' must be a list of strings, found a mapping",
               "image.yml:4:14: warning: unknown key 'bin_dri' in 'postgresql' (did you mean "
               "'bin_dir'?)"});
}

TEST(ImageConfig, TheDataDiskRoundTripsAndIsCheckedBeforeItReachesMkfs) {
    image::ImageConfig c;
    c.data_disk = image::DataDisk{"pgdata", "xfs", "/var/lib/kiln-data"};
    SourceFiles sources;
    Report report;
    auto back = image::parse_image_config("image.yml", image::to_yaml(c), sources, report);
    ASSERT_TRUE(back) << report.format(&sources);
    EXPECT_FALSE(report.has_errors()) << report.format(&sources);
    ASSERT_TRUE(back->data_disk);
    EXPECT_EQ(back->data_disk->label, "pgdata");
    EXPECT_EQ(back->data_disk->filesystem, "xfs");
    EXPECT_EQ(back->data_disk->mount, "/var/lib/kiln-data");

    image::ImageConfig none;
    auto without = image::parse_image_config("image.yml", image::to_yaml(none), sources, report);
    ASSERT_TRUE(without);
    EXPECT_FALSE(without->data_disk) << "no data disk: state stays on the OS disk";

    expect_reported(
        "version: 1\ndata_disk:\n  label: \"x y\"\n  filesystem: btrfs\n"
        "  mount: /srv/../etc\n",
        {"'data_disk.label' must be", "one of ext4, xfs",
         "'data_disk.mount' must be an absolute, normal path"});
}

TEST(ImageConfig, MountUnitNamesAreSystemdEscaped) {
    EXPECT_EQ(image::mount_unit_name("/data"), "data.mount");
    EXPECT_EQ(image::mount_unit_name("/var/lib/kiln-data"), "var-lib-kiln\\x2ddata.mount");
    EXPECT_EQ(image::mount_unit_name("/srv/pg.data/"), "srv-pg.data.mount");
    EXPECT_EQ(image::mount_unit_name("/"), "-.mount");
}
