// The kiln binary as a user runs it: exit codes, report format, --json, --strict, --var.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.hpp"

namespace {

using kiln_test::CommandResult;

// kiln of this build, run from the source tree (the profiles are named relative to it).
CommandResult kiln(const std::vector<std::string>& args, bool with_stderr = true) {
    std::vector<std::string> argv = {KILN_BINARY_DIR "/builder/kiln"};
    argv.insert(argv.end(), args.begin(), args.end());
    kiln_test::CommandOptions options;
    options.working_directory = KILN_SOURCE_DIR;
    options.merge_stderr = with_stderr;
    return kiln_test::run_command(argv, options);
}

const std::string kCases = "tests/unit/builder/profile_cases/";

TEST(Cli, BundledProfilesAreValid) {
    auto r = kiln({"validate", "profiles/debian12-patroni.yml", "profiles/centos7-patroni.yml",
                   "profiles/rocky9-patroni.yml", "--strict"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (const char* name : {"debian12", "centos7", "rocky9"})
        EXPECT_NE(r.out.find("profiles/" + std::string(name) +
                             "-patroni.yml: valid (0 errors, 0 warnings)"),
                  std::string::npos)
            << r.out;
}

TEST(Cli, InvalidProfileExitsOneWithLocatedReport) {
    auto r = kiln({"validate", kCases + "bad-version.yml"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find(kCases + "bad-version.yml:1:10: error: unsupported profile version '2'"),
              std::string::npos)
        << r.out;
}

TEST(Cli, StrictTurnsWarningsIntoFailure) {
    EXPECT_EQ(kiln({"validate", kCases + "warn-unknown-keys.yml"}).exit_code, 0);
    EXPECT_EQ(kiln({"validate", "--strict", kCases + "warn-unknown-keys.yml"}).exit_code, 1);
}

TEST(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(kiln({"validate"}).exit_code, 2);
    EXPECT_EQ(kiln({"validate", "--no-such-flag", "x.yml"}).exit_code, 2);
    EXPECT_EQ(kiln({"frobnicate"}).exit_code, 2);
    EXPECT_EQ(kiln({"plan", "profiles/debian12-patroni.yml", "--var", "nonsense"}).exit_code, 2);
}

TEST(Cli, JsonReportCountsTheErrorsAndLocatesThem) {
    auto r = kiln({"validate", "--json", kCases + "bad-many-problems.yml"}, false);
    EXPECT_EQ(r.exit_code, 1);
    auto doc = nlohmann::json::parse(r.out);
    auto& profile = doc["profiles"][0];
    EXPECT_EQ(profile["valid"], false);
    EXPECT_EQ(profile["errors"], 5);
    EXPECT_EQ(profile["diagnostics"][0]["line"], 6);
    EXPECT_EQ(profile["diagnostics"][0]["column"], 13);
}

TEST(Cli, PlanPrintsStagesAndRejectsInvalidProfiles) {
    auto r = kiln({"plan", "profiles/debian12-patroni.yml"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (auto word :
         {"mmdebstrap", "copy-tree", "sysprep-machine-id", "install-bootloader", "write-ova"})
        EXPECT_NE(r.out.find(word), std::string::npos) << word;
    EXPECT_EQ(kiln({"plan", "profiles/debian12-patroni.yml"}).out, r.out);  // deterministic
    auto json = kiln({"plan", "--json", "profiles/debian12-patroni.yml"});
    EXPECT_EQ(nlohmann::json::parse(json.out)["operations"][0]["operation"], "mmdebstrap");
    auto bad = kiln({"plan", kCases + "bad-overlay-escape.yml"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.out.find("escapes the image root"), std::string::npos);
}

TEST(Cli, VarOverrideReachesThePlan) {
    auto r = kiln(
        {"plan", "profiles/debian12-patroni.yml", "--var", "mirror=http://mirror.example/debian"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("bookworm from http://mirror.example/debian"), std::string::npos);
    auto undeclared = kiln({"plan", "profiles/debian12-patroni.yml", "--var", "mirorr=http://x/"});
    EXPECT_EQ(undeclared.exit_code, 1);
    EXPECT_NE(undeclared.out.find("--var mirorr: error: variable 'mirorr' is not declared"),
              std::string::npos)
        << undeclared.out;
}

TEST(Cli, PlanDigestsTheFirstbootFilesItWouldInstall) {
    auto digest_of_install = [](const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"plan", "--json", "profiles/debian12-patroni.yml"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = kiln(argv, false);
        EXPECT_EQ(r.exit_code, 0) << r.out;
        auto plan = nlohmann::json::parse(r.out);
        for (const auto& op : plan["operations"])
            if (op["operation"] == "install-firstboot") return op["inputs"]["binary_sha256"];
        return nlohmann::json();
    };
    // Two files of the source tree with known, different contents.
    auto one = digest_of_install({"--firstboot-binary", "units/kiln-firstboot.service"});
    auto two = digest_of_install({"--firstboot-binary", "README.md"});
    EXPECT_EQ(one.get<std::string>().size(), 64u);
    EXPECT_NE(one, two);
}

TEST(Cli, VersionPrintsKilnAndExitsZero) {
    auto r = kiln({"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out.rfind("kiln ", 0), 0u);
}

}  // namespace
