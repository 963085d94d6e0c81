// Rendered configs against the real tools from Debian (haproxy -c, keepalived -t,
// patroni --validate-config): accepted as rendered, and the same tools reject broken ones.
#include <gtest/gtest.h>

#include "../../unit/firstboot/test_support.hpp"
#include "check/checks.hpp"
#include "command.hpp"
#include "kiln/failover.hpp"
#include "kiln/process.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;
using kiln::find_program;
using kiln_test::CommandResult;

namespace {

void require(const char* tool) {
    if (!find_program(tool))
        GTEST_SKIP() << tool << " is not installed (.ci/install-deps installs it)";
}

// A tool run with its output apart, stopped (and the test failed) if it takes over `limit`.
CommandResult run_tool(const std::vector<std::string>& argv,
                       std::chrono::seconds limit = std::chrono::seconds(10),
                       kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
    kiln_test::CommandOptions options;
    options.merge_stderr = false;
    options.timeout = limit;
    return kiln_test::run_command(argv, options, where);
}

CommandResult run_binary(const std::vector<std::string>& args,
                         kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
    std::vector<std::string> argv = {KILN_FIRSTBOOT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_tool(argv, std::chrono::seconds(120), where);
}

class RenderedTree : public ::testing::Test {
protected:
    void SetUp() override {
        make_image_root(root());
        auto values = good_values();
        values["postgres_password"] = "p@ss: 'w\"o{r}d' #1";
        values["timezone"] = "Europe/Berlin";
        values["address"] = "10.0.0.11/24";
        values["gateway"] = "10.0.0.1";
        write_file(dir / "meta.yml", document(values));
        result = run_binary({"--root", root().string(), "--metadata", (dir / "meta.yml").string(),
                             "--render-only"});
    }
    fs::path root() const { return dir / "root"; }

    TempDir dir;
    CommandResult result;
};

}  // namespace

TEST_F(RenderedTree, RenderOnlyWritesEveryFileAndPassesEveryInstalledChecker) {
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* path :
         {"etc/patroni/config.yml", "etc/default/etcd", "etc/haproxy/haproxy.cfg",
          "etc/keepalived/keepalived.conf", "etc/hosts", "etc/hostname",
          "etc/chrony/sources.d/kiln.sources", "etc/zabbix/zabbix_agentd.d/60-kiln-server.conf",
          "home/kiln/.ssh/authorized_keys", "etc/network/interfaces.d/60-kiln-ens192",
          "etc/timezone"})
        EXPECT_TRUE(fs::exists(root() / path)) << path;
    EXPECT_NE(result.err.find("stage check: finished"), std::string::npos) << result.err;
    for (const char* tool : {"haproxy", "keepalived", "patroni"}) {
        if (find_program(tool)) {
            EXPECT_NE(result.err.find(std::string(tool) + " ok"), std::string::npos) << result.err;
        }
    }
    // Nothing of the system was touched: no stamp, no status, no marker.
    EXPECT_FALSE(fs::exists(root() / "var/lib/kiln"));
    EXPECT_FALSE(fs::exists(root() / "run/kiln"));
    EXPECT_EQ(result.err.find("p@ss"), std::string::npos) << "no secret in the log";
}

TEST_F(RenderedTree, HaproxyAcceptsTheRenderedConfigAndRejectsABrokenOne) {
    require("haproxy");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto cfg = root() / "etc/haproxy/haproxy.cfg";
    EXPECT_EQ(run_tool({"haproxy", "-c", "-f", cfg.string()}).exit_code, 0);
    write_file(dir / "bad.cfg",
               read_file(cfg) + "    server pg-4 10.0.0.14:99999 check port 8008\n");
    EXPECT_NE(run_tool({"haproxy", "-c", "-f", (dir / "bad.cfg").string()}).exit_code, 0);
}

// The rendered Patroni config's ttl line (the image's default timing) and a copy of `config`
// with that value replaced by `value`.
std::string with_ttl(std::string config, const std::string& value) {
    const std::string line = "ttl: " + std::to_string(kiln::failover::Timing{}.ttl);
    const auto at = config.find(line);
    EXPECT_NE(at, std::string::npos) << config;
    if (at != std::string::npos) config.replace(at, line.size(), "ttl: " + value);
    return config;
}

TEST_F(RenderedTree, PatroniValidatesTheRenderedConfigAndRejectsABrokenOne) {
    require("patroni");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto cfg = root() / "etc/patroni/config.yml";
    auto ok = run_tool({"patroni", "--validate-config", cfg.string()}, std::chrono::seconds(60));
    EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    std::string broken = with_ttl(read_file(cfg), "thirty");
    write_file(dir / "bad.yml", broken);
    auto bad = run_tool({"patroni", "--validate-config", (dir / "bad.yml").string()},
                        std::chrono::seconds(60));
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE((bad.out + bad.err).find("bootstrap.dcs.ttl"), std::string::npos);
}

TEST(Checks, UnreachableDcsHostsDoNotFailPatronisCheckButBadValuesDo) {
    require("patroni");
    TempDir dir;
    make_image_root(dir / "root");
    auto values = good_values();
    // Documentation addresses (RFC 3849): nothing answers there, as at a real first boot.
    values["peers"] = "pg-1=2001:db8::11,pg-2=2001:db8::12,pg-3=2001:db8::13";
    values["vip"] = "2001:db8::100/64";
    write_file(dir / "meta.yml", document(values));
    auto result = run_binary({"--root", (dir / "root").string(), "--metadata",
                              (dir / "meta.yml").string(), "--render-only"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("patroni ok"), std::string::npos) << result.err;

    Rendering r;
    RenderedFile broken{"/etc/patroni/config.yml",
                        with_ttl(read_file(dir / "root/etc/patroni/config.yml"), "soon"), 0600};
    broken.checker = Checker::patroni;
    r.files = {broken};
    kiln::Report report;
    run_checks(r, {}, report);
    EXPECT_TRUE(report.has_errors()) << "an unreachable host must not hide a real error";
    EXPECT_NE(report.format(nullptr).find("bootstrap.dcs.ttl"), std::string::npos)
        << report.format(nullptr);
}

TEST(Checks, EachToolRejectsABrokenFileAndTheReportNamesIt) {
    Rendering r;
    RenderedFile haproxy{"/etc/haproxy/haproxy.cfg", "global\n    no-such-keyword 1\n"};
    haproxy.checker = Checker::haproxy;
    RenderedFile keepalived{
        "/etc/keepalived/keepalived.conf",
        "vrrp_instance x {\n    interface ens192\n    virtual_router_id 51\n    priority 300\n"
        "    authentication {\n        auth_type PASS\n        auth_pass hunter2\n    }\n}\n",
        0600};
    keepalived.checker = Checker::keepalived;
    keepalived.secret = true;
    RenderedFile patroni{"/etc/patroni/config.yml", "scope: x\nbootstrap:\n  dcs:\n    ttl: soon\n",
                         0600};
    patroni.checker = Checker::patroni;
    r.files = {haproxy, keepalived, patroni};
    kiln::Report report;
    CheckOptions options;
    options.preview = true;
    options.secrets = {"hunter2"};
    auto outcomes = run_checks(r, options, report);
    std::string text = report.format(nullptr);
    ASSERT_EQ(outcomes.size(), 3u);
    for (const auto& o : outcomes) {
        if (!o.ran) continue;
        EXPECT_FALSE(o.ok) << o.tool;
        EXPECT_NE(text.find(o.file.string() + ": error: " + o.tool + " rejects the rendered " +
                            o.file.string()),
                  std::string::npos)
            << text;
    }
    if (find_program("keepalived")) {
        EXPECT_NE(text.find("outside range [1, 255]"), std::string::npos) << text;
    }
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
}
