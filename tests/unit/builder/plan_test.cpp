#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "plan/planner.hpp"
#include "profile/loader.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

// The profile at `path`; when it does not load, its report is a failure and the caller's
// ASSERT stops the test.
std::optional<profile::Profile> load_profile(const std::string& path) {
    SourceFiles sources;
    Report report;
    auto p = profile::load(path, {}, sources, report);
    if (!p) ADD_FAILURE() << path << " does not load:\n" << report.format(&sources);
    return p;
}

std::vector<std::string> kinds(const plan::Plan& plan) {
    std::vector<std::string> out;
    for (const auto& op : plan.operations) out.push_back(op.kind);
    return out;
}

const std::string kDefaultProfile = std::string(KILN_SOURCE_DIR) + "/profiles/debian12-patroni.yml";

TEST(Plan, DefaultProfileRunsStagesInOrder) {
    auto profile = load_profile(kDefaultProfile);
    ASSERT_TRUE(profile);
    auto plan = plan::make_plan(*profile);
    ASSERT_FALSE(plan.operations.empty());
    EXPECT_EQ(plan.operations.front().kind, "mmdebstrap");
    EXPECT_TRUE(std::is_sorted(plan.operations.begin(), plan.operations.end(),
                               [](const auto& a, const auto& b) { return a.stage < b.stage; }));
    auto k = kinds(plan);
    for (auto expected :
         {"copy-tree", "install-firstboot", "seal-etcd-data", "seal-postgresql-clusters",
          "sysprep-machine-id", "make-disk", "install-bootloader", "write-ova", "write-qcow2"})
        EXPECT_NE(std::find(k.begin(), k.end(), expected), k.end()) << expected;
}

TEST(Plan, IsDeterministic) {
    auto first = load_profile(kDefaultProfile);
    auto second = load_profile(kDefaultProfile);
    ASSERT_TRUE(first && second);
    auto a = plan::make_plan(*first);
    auto b = plan::make_plan(*second);
    ASSERT_EQ(a.operations.size(), b.operations.size());
    for (std::size_t i = 0; i < a.operations.size(); ++i)
        EXPECT_EQ(a.operations[i].digest, b.operations[i].digest);
    EXPECT_EQ(a.profile_digest, b.profile_digest);
}

TEST(Plan, OverlayContentChangesOnlyItsOperationAndNotThePackageLayer) {
    fs::path dir = fs::temp_directory_path() / ("kiln-plan-" + std::to_string(::getpid()));
    fs::create_directories(dir / "tree/etc");
    std::ofstream(dir / "tree/etc/motd") << "one\n";
    std::ofstream(dir / "p.yml")
        << "version: 1\nbase:\n  bootstrap:\n    tool: debootstrap\n"
           "    release: bookworm\n    mirror: http://deb.debian.org/debian\n"
           "packages:\n  install: [curl]\noverlays:\n  - tree: tree\n    destination: /\n";
    auto one = load_profile((dir / "p.yml").string());
    ASSERT_TRUE(one);
    auto before = plan::make_plan(*one);
    std::ofstream(dir / "tree/etc/motd") << "two\n";
    auto two = load_profile((dir / "p.yml").string());
    ASSERT_TRUE(two);
    auto after = plan::make_plan(*two);
    fs::remove_all(dir);

    EXPECT_EQ(before.package_layer_digest, after.package_layer_digest);
    EXPECT_NE(before.profile_digest, after.profile_digest);
    ASSERT_EQ(before.operations.size(), after.operations.size());
    std::size_t changed = 0;
    for (std::size_t i = 0; i < before.operations.size(); ++i)
        if (before.operations[i].digest != after.operations[i].digest) {
            ++changed;
            EXPECT_EQ(before.operations[i].kind, "copy-tree");
        }
    EXPECT_EQ(changed, 1u);
}

TEST(Plan, PackageChangeChangesTheLayer) {
    auto p = load_profile(kDefaultProfile);
    ASSERT_TRUE(p);
    ASSERT_TRUE(p->base.bootstrap);
    auto before = plan::make_plan(*p);
    p->base.bootstrap->packages.push_back({"htop", {}});
    EXPECT_NE(before.package_layer_digest, plan::make_plan(*p).package_layer_digest);
}

}  // namespace
