// Include merging, variables and --var overrides, on profiles written to a scratch folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "kiln/error.hpp"
#include "profile/loader.hpp"
#include "sysprep/operations.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

class ProfileLoad : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("kiln-load-" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "inc");
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
        return (dir_ / name).string();
    }

    std::optional<profile::Profile> load(const std::string& path,
                                         profile::LoadOptions options = {}) {
        sources_ = {};
        report_ = {};
        return profile::load(path, options, sources_, report_);
    }

    fs::path dir_;
    SourceFiles sources_;
    Report report_;
};

const char* kBase =
    "version: 1\n"
    "variables:\n  release: bookworm\n  mirror: http://deb.debian.org/debian\n"
    "base:\n  bootstrap:\n    tool: debootstrap\n    release: ${release}\n    mirror: ${mirror}\n";

TEST_F(ProfileLoad, IncludesMergeMappingsAppendListsAndReplaceScalars) {
    write(
        "inc/common.yml",
        "version: 1\npackages:\n  install: [curl]\nsettings:\n  timezone: UTC\n  locale: C.UTF-8\n"
        "firstboot:\n  dcs: etcd\n  services: [etcd, patroni]\n");
    auto path = write("p.yml", std::string(kBase) +
                                   "include: inc/common.yml\npackages:\n  install: [haproxy]\n"
                                   "settings:\n  timezone: Europe/Berlin\n"
                                   "firstboot:\n  services: !replace [patroni]\n");
    auto p = load(path);
    ASSERT_TRUE(p) << report_.format(&sources_);
    ASSERT_EQ(p->packages.install.size(), 2u);
    EXPECT_EQ(p->packages.install[0].value, "curl");
    EXPECT_EQ(p->packages.install[1].value, "haproxy");
    // Each merged value still points at the file it came from.
    EXPECT_EQ(p->packages.install[0].where.file, (dir_ / "inc/common.yml").string());
    ASSERT_TRUE(p->settings.timezone);
    ASSERT_TRUE(p->settings.locale);
    EXPECT_EQ(p->settings.timezone->value, "Europe/Berlin");
    EXPECT_EQ(p->settings.locale->value, "C.UTF-8");
    ASSERT_EQ(p->firstboot.services.size(), 1u);
    EXPECT_EQ(p->firstboot.services[0].value, "patroni");
    EXPECT_EQ(p->files.size(), 2u);
}

TEST_F(ProfileLoad, VariablesSubstituteAndCommandLineOverrides) {
    auto path = write("p.yml", std::string(kBase) + "description: $${literal} ${release}\n");
    auto p = load(path);
    ASSERT_TRUE(p) << report_.format(&sources_);
    ASSERT_TRUE(p->base.bootstrap);
    EXPECT_EQ(p->base.bootstrap->release.value, "bookworm");
    EXPECT_EQ(p->description.value, "${literal} bookworm");
    profile::LoadOptions options;
    options.variables["release"] = "trixie";
    p = load(path, options);
    ASSERT_TRUE(p);
    ASSERT_TRUE(p->base.bootstrap);
    EXPECT_EQ(p->base.bootstrap->release.value, "trixie");
    EXPECT_EQ(p->variables.at("release"), "trixie");
}

TEST_F(ProfileLoad, UndeclaredCommandLineVariableIsAnError) {
    profile::LoadOptions options;
    options.variables["relase"] = "trixie";
    EXPECT_FALSE(load(write("p.yml", kBase), options));
    ASSERT_EQ(report_.error_count(), 1u);
    EXPECT_EQ(report_.diagnostics()[0].location.file, "--var relase");
    EXPECT_THROW(profile::parse_variable_assignment("novalue"), UsageError);
    EXPECT_EQ(profile::parse_variable_assignment("a=b=c").second, "b=c");
}

TEST_F(ProfileLoad, VariablesMayReferToVariables) {
    auto path =
        write("p.yml",
              "version: 1\nvariables:\n  host: deb.debian.org\n  mirror: http://${host}/debian\n"
              "base:\n  bootstrap:\n    tool: debootstrap\n    release: bookworm\n    mirror: "
              "${mirror}\n");
    auto p = load(path);
    ASSERT_TRUE(p) << report_.format(&sources_);
    ASSERT_TRUE(p->base.bootstrap);
    EXPECT_EQ(p->base.bootstrap->mirror.value, "http://deb.debian.org/debian");
}

// "$${" is a literal "${" however many variables it passes through: unescaped once, never
// taken for a reference afterwards.
TEST_F(ProfileLoad, EscapedReferenceIsUnescapedOnceThroughVariables) {
    auto path = write("p.yml",
                      "version: 1\nvariables:\n  literal: $${HOME}\n  twice: ${literal}/x\n"
                      "base:\n  bootstrap:\n    tool: debootstrap\n    release: bookworm\n"
                      "    mirror: http://deb.debian.org/debian\n"
                      "description: ${twice} and $${PATH}\n");
    auto p = load(path);
    ASSERT_TRUE(p) << report_.format(&sources_);
    EXPECT_EQ(p->description.value, "${HOME}/x and ${PATH}");
    EXPECT_EQ(p->variables.at("twice"), "${HOME}/x");
}

// The build copies files, folders and symlinks: validation names anything else in a tree.
TEST_F(ProfileLoad, OverlayTreeWithAFifoIsRejected) {
    fs::create_directories(dir_ / "tree/etc");
    write("tree/etc/motd", "hello\n");
    ASSERT_EQ(::mkfifo((dir_ / "tree/etc/pipe").c_str(), 0600), 0);
    auto p = load(
        write("p.yml", std::string(kBase) + "overlays:\n  - tree: tree\n    destination: /\n"));
    EXPECT_FALSE(p);
    EXPECT_NE(report_.format(&sources_).find(
                  "overlay tree 'tree' holds 'etc/pipe', which is not a file, folder or symlink"),
              std::string::npos)
        << report_.format(&sources_);
}

TEST_F(ProfileLoad, DefaultsFillTheModel) {
    auto p = load(write("node.yml", kBase));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name.value, "node");
    EXPECT_EQ(p->package_manager, profile::PackageManager::apt);
    ASSERT_EQ(p->outputs.size(), 1u);
    EXPECT_EQ(p->outputs[0].file.value, "node.qcow2");
    EXPECT_EQ(p->disk.size.value, 8ULL << 30);
    EXPECT_EQ(p->sysprep.operations.size(), sysprep::operations().size());
}

TEST_F(ProfileLoad, MissingProfileFileIsOneLocatedError) {
    EXPECT_FALSE(load((dir_ / "absent.yml").string()));
    ASSERT_EQ(report_.error_count(), 1u);
    EXPECT_EQ(report_.diagnostics()[0].message, "profile file not found");
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Reporting is linear in the problems: 80 000 unknown keys take about a second of CPU, most of
// it yaml-cpp parsing the 1.3 MB twice (they took 55 s), and the report lists 100 of them and
// counts the rest.
TEST_F(ProfileLoad, EightyThousandUnknownKeysAreReportedInSeconds) {
    std::string text = kBase;
    for (int i = 0; i < 80000; ++i) text += "unknown_" + std::to_string(i) + ": 1\n";
    auto path = write("many.yml", text);
    std::clock_t start = std::clock();
    load(path);
    std::string listed = report_.format(&sources_);
    double cpu_seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    EXPECT_EQ(report_.warning_count(), 80000u);
    EXPECT_NE(listed.find("\n79900 more problems not shown (at most 100 are listed"),
              std::string::npos);
    if (!kSanitized) {
        EXPECT_LT(cpu_seconds, 3.0);
    }
}

}  // namespace
