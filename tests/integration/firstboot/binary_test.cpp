// The kiln-firstboot executables themselves (the default build's, and the static one when
// configured with -DKILN_FIRSTBOOT_STATIC=ON): a whole first boot over a private bus.
#include <gtest/gtest.h>

#include "../../unit/firstboot/test_support.hpp"
#include "command.hpp"
#include "fake_systemd.hpp"
#include "kiln/elf.hpp"
#include "kiln/process.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;
using kiln::run_process;

namespace {

std::vector<std::string> binaries() {
    std::vector<std::string> out = {KILN_FIRSTBOOT_BINARY};
#ifdef KILN_FIRSTBOOT_STATIC_BINARY
    out.push_back(KILN_FIRSTBOOT_STATIC_BINARY);
#endif
    return out;
}

bool is_static_elf(const std::string& path) {
    return kiln::is_static_x86_64_executable(read_file(path));
}

// The binary with `args`, its stdout and stderr apart, stopped (and the test failed) if it takes
// over `limit`.
kiln_test::CommandResult run_firstboot(
    const std::string& binary, const std::vector<std::string>& args,
    std::chrono::seconds limit = std::chrono::seconds(10),
    kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
    std::vector<std::string> argv = {binary};
    argv.insert(argv.end(), args.begin(), args.end());
    kiln_test::CommandOptions options;
    options.merge_stderr = false;
    options.timeout = limit;
    return kiln_test::run_command(argv, options, where);
}

}  // namespace

class Binary : public ::testing::TestWithParam<std::string> {};

TEST_P(Binary, FirstBootOverAPrivateBus) {
    TempDir dir;
    auto root = dir / "root";
    make_image_root(root);
    write_file(dir / "meta.yml", document(good_values()));
    PrivateBus daemon(dir.path());
    FakeSystemd systemd(daemon.address());
    auto result = run_firstboot(GetParam(),
                                {"--root", root.string(), "--metadata", (dir / "meta.yml").string(),
                                 "--bus", daemon.address(), "--no-check"},
                                std::chrono::seconds(120));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto calls = systemd.recorded();
    std::vector<std::string> starts;
    for (const auto& c : calls)
        if (c.starts_with("StartUnit ")) starts.push_back(c.substr(10));
    EXPECT_EQ(starts, (std::vector<std::string>{"etcd.service", "patroni.service",
                                                "haproxy.service", "keepalived.service"}));
    EXPECT_TRUE(fs::exists(root / "var/lib/kiln/stamp.json"));
    EXPECT_EQ(result.err.find("pg-secret-1"), std::string::npos);
}

TEST_P(Binary, InvalidMetadataNamesKeyTransportAndPlaceButQuotesNoLine) {
    TempDir dir;
    make_image_root(dir / "root");
    auto values = good_values();
    values["vrrp_password"] = "ab#cd!ef";
    values["priority"] = "0";
    write_file(dir / "meta.yml", document(values));
    auto before = snapshot(dir / "root");
    auto result = run_firstboot(GetParam(), {"--root", (dir / "root").string(), "--metadata",
                                             (dir / "meta.yml").string(), "--render-only"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(
        result.err.find(
            "'vrrp_password' from metadata file: may contain only printable ASCII characters"),
        std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("'priority' from metadata file: '0' is not an integer from 1 to 254"),
              std::string::npos);
    EXPECT_NE(result.err.find("meta.yml:"), std::string::npos) << "file:line:col\n" << result.err;
    EXPECT_EQ(result.err.find(" | "), std::string::npos) << "no quoted line:\n" << result.err;
    EXPECT_EQ(result.err.find("ab#cd!ef"), std::string::npos) << result.err;
    EXPECT_EQ(snapshot(dir / "root"), before);
}

TEST_P(Binary, HelpAndUsageErrors) {
    EXPECT_EQ(run_firstboot(GetParam(), {"--help"}).exit_code, 0);
    auto usage = run_firstboot(GetParam(), {"--render-only"});
    EXPECT_EQ(usage.exit_code, 2);
    EXPECT_NE(usage.err.find("--render-only needs --root DIR"), std::string::npos) << usage.err;
}

INSTANTIATE_TEST_SUITE_P(Builds, Binary, ::testing::ValuesIn(binaries()), [](const auto& info) {
    return std::string(info.param == KILN_FIRSTBOOT_BINARY ? "Default" : "Static");
});

#ifdef KILN_FIRSTBOOT_STATIC_BINARY
TEST(StaticBinary, IsOneStaticX8664Executable) {
    EXPECT_TRUE(is_static_elf(KILN_FIRSTBOOT_STATIC_BINARY));
}
#endif

TEST(StaticBinary, TheDefaultBuildIsDynamic) {
    EXPECT_FALSE(is_static_elf(KILN_FIRSTBOOT_BINARY));
}
