// kiln validate, plan and metadata fed hostile input as an attacker or a careless user would:
// FIFOs and devices named as files, includes from outside the profile's folder, terminal escapes
// and bytes that are not UTF-8, tens of thousands of problems. Each is run through the test
// helper with a timeout, so that a hang or a crash fails the test instead of blocking it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.hpp"

namespace fs = std::filesystem;
using kiln_test::CommandResult;

namespace {

const std::string kBase =
    "version: 1\nbase:\n  bootstrap:\n    tool: debootstrap\n    release: bookworm\n"
    "    mirror: http://deb.debian.org/debian\n";

class Hostile : public ::testing::Test {
protected:
    Hostile() : scratch_("hostile-input") {}

    fs::path write(const std::string& name, const std::string& text) {
        fs::path path = scratch_.path / name;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    fs::path fifo(const std::string& name) {
        fs::path path = scratch_.path / name;
        EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
        return path;
    }

    // kiln in the scratch folder; a run longer than 10 s (a hang) fails the test.
    CommandResult kiln(const std::vector<std::string>& args, bool with_stderr = true) {
        std::vector<std::string> argv = {kiln_test::kiln_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        kiln_test::CommandOptions options;
        options.working_directory = scratch_.path;
        options.merge_stderr = with_stderr;
        options.timeout = std::chrono::seconds(10);
        return kiln_test::run_command(argv, options);
    }

    kiln_test::Scratch scratch_;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool has_raw_escape(const std::string& text) {
    return text.find('\x1b') != std::string::npos || contains(text, "\u202e") ||
           contains(text, "\xc2\x9b");
}

TEST_F(Hostile, FifoOrDeviceAsInventoryOrSecretsIsRefusedAtOnce) {
    fs::path inventory = fs::path(KILN_TEST_DATA) / "inventory_cases/good-three.yml";
    fifo("inventory.fifo");
    fifo("secrets.fifo");
    for (const auto& [args, expected] :
         std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--inventory", "inventory.fifo"},
              "inventory.fifo: error: is a FIFO, not a regular file"},
             {{"--inventory", "/dev/zero"},
              "/dev/zero: error: is a character device, not a regular file"},
             {{"--inventory", inventory.string(), "--secrets", "secrets.fifo"},
              "secrets.fifo: error: is a FIFO, not a regular file"},
             {{"--inventory", inventory.string(), "--secrets", "/dev/zero"},
              "/dev/zero: error: is a character device, not a regular file"}}) {
        std::vector<std::string> argv = {"metadata", "--format", "fw_cfg"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = kiln(argv);
        EXPECT_EQ(r.exit_code, 1) << r.ending() << "\n" << r.out;
        EXPECT_TRUE(contains(r.out, expected)) << r.out;
        EXPECT_LT(r.seconds, 5.0);
    }
}

TEST_F(Hostile, FifoAsAnArtifactToVerifyIsRefusedAtOnce) {
    fifo("node.ova");
    auto r = kiln({"verify", "node.ova"});
    EXPECT_EQ(r.exit_code, 1) << r.ending() << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "node.ova is a FIFO, not a regular file")) << r.out;
}

TEST_F(Hostile, IncludeOfAFifoOrADeviceIsRefusedAtTheIncludeLine) {
    fifo("fifo.yml");
    write("fifo-profile.yml", kBase + "include: fifo.yml\n");
    auto r = kiln({"validate", "fifo-profile.yml"});
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(contains(
        r.out,
        "fifo-profile.yml:7:10: error: included file 'fifo.yml' is a FIFO, not a regular file"))
        << r.out;

    write("zero-profile.yml", kBase + "include: /dev/zero\n");
    r = kiln({"validate", "zero-profile.yml"});
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(contains(r.out, "included file '/dev/zero' is outside the profile's folder"))
        << r.out;
    r = kiln({"validate", "--allow-include", "/dev", "zero-profile.yml"});
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(
        contains(r.out, "included file '/dev/zero' is a character device, not a regular file"))
        << r.out;
}

TEST_F(Hostile, IncludesComeFromTheProfilesFolderUnlessAllowed) {
    write("shared/common.yml", "packages:\n  install: [curl]\n");
    write("profile/p.yml", kBase + "include: ../shared/common.yml\n");
    // A link inside the folder that leads out of it is outside too.
    fs::create_symlink(scratch_.path / "shared/common.yml", scratch_.path / "profile/link.yml");
    write("profile/linked.yml", kBase + "include: link.yml\n");
    for (const auto& profile : {"profile/p.yml", "profile/linked.yml"}) {
        auto r = kiln({"validate", profile});
        EXPECT_EQ(r.exit_code, 1) << r.ending();
        EXPECT_TRUE(contains(r.out, "is outside the profile's folder")) << r.out;
        EXPECT_FALSE(contains(r.out, "curl")) << "quoted a file it must not read:\n" << r.out;
        r = kiln({"validate", "--allow-include", "shared", profile});
        EXPECT_EQ(r.exit_code, 0) << r.ending() << "\n" << r.out;
    }
}

TEST_F(Hostile, JsonStaysValidWithBytesThatAreNotUtf8) {
    // The profile's name, a value and a key made of escapes that yaml-cpp turns into bytes that
    // are not UTF-8 or into terminal controls.
    std::string name = "bad-\xff\x1b[2J.yml";
    write(name, kBase + "description: \"\\N\\_\"\n\"\\e]0;pwned\\a\": 1\n");
    auto r = kiln({"validate", "--json", name}, false);
    EXPECT_EQ(r.exit_code, 1) << r.ending() << "\n" << r.err;
    nlohmann::json doc;
    ASSERT_NO_THROW(doc = nlohmann::json::parse(r.out)) << r.out;
    const auto& profile = doc["profiles"][0];
    EXPECT_EQ(profile["profile"], "bad-\\xff\\x1b[2J.yml");
    EXPECT_EQ(profile["valid"], false);
    EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
    auto text = kiln({"validate", name});
    EXPECT_EQ(text.exit_code, 1) << text.ending();
    EXPECT_FALSE(has_raw_escape(text.out)) << text.out;
    EXPECT_TRUE(contains(text.out, "bad-\\xff\\x1b[2J.yml: invalid")) << text.out;
}

TEST_F(Hostile, TextOutputNeverEchoesTerminalControls) {
    // A raw escape in the file: refused without quoting the line.
    write("raw.yml", kBase +
                         "description: \x1b[2J\xc2\x9b"
                         "31m\n");
    auto r = kiln({"validate", "raw.yml"});
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(contains(r.out, "raw.yml:7:14: error: not a YAML text file")) << r.out;
    EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
    // Escapes written as YAML escapes reach messages as values: shown escaped.
    write("escaped.yml", kBase + "\"\\e[2J\\u202e\": 1\n");
    r = kiln({"validate", "escaped.yml"});
    EXPECT_EQ(r.exit_code, 0) << r.ending();
    EXPECT_TRUE(contains(r.out, "unknown key '\\x1b[2J\\u202e'")) << r.out;
    EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
    // The same for an inventory given to kiln metadata.
    write("inventory.yml", "version: 1\ncluster: \"pg\\e[2J\"\n");
    r = kiln({"metadata", "--format", "fw_cfg", "--inventory", "inventory.yml"});
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
}

TEST_F(Hostile, PlanEscapesWhatItPrints) {
    write("files/\x1b]0;title\a\u202e.txt", "hello\n");
    write("plan.yml", kBase +
                          "overlays:\n  - file: \"files/\\e]0;title\\a\\u202e.txt\"\n"
                          "    destination: /etc/motd\n");
    auto r = kiln({"plan", "plan.yml"}, false);
    EXPECT_EQ(r.exit_code, 0) << r.ending() << "\n" << r.err;
    EXPECT_TRUE(contains(r.out, "files/\\x1b]0;title\\x07\\u202e.txt")) << r.out;
    EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
    r = kiln({"plan", "--json", "plan.yml"}, false);
    EXPECT_EQ(r.exit_code, 0) << r.ending() << "\n" << r.err;
    EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
    EXPECT_FALSE(has_raw_escape(r.out)) << r.out;
}

// 80 000 unknown keys: every one counted and the first 100 listed (it used to take 55 s: each
// problem searched the file from its start for its line, and merging a mapping searched it key
// by key). Its CPU time is bounded in profile_load_test (CPU, not wall-clock time: a wall-clock
// bound here failed under a concurrent compile); here, the command's report.
TEST_F(Hostile, EightyThousandProblemsAreCountedAndListedUpToTheCap) {
    std::string text = kBase;
    for (int i = 0; i < 80000; ++i) text += "unknown_" + std::to_string(i) + ": 1\n";
    write("many.yml", text);
    auto r = kiln({"validate", "many.yml"});
    EXPECT_EQ(r.exit_code, 0) << r.ending();
    EXPECT_TRUE(contains(r.out, "79900 more problems not shown")) << r.out.substr(0, 2000);
    EXPECT_TRUE(contains(r.out, "many.yml: valid (0 errors, 80000 warnings)"))
        << r.out.substr(0, 2000);
    EXPECT_LT(r.out.size(), 40000u);
    auto json = kiln({"validate", "--json", "many.yml"}, false);
    auto doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["profiles"][0]["warnings"], 80000);
    EXPECT_EQ(doc["profiles"][0]["diagnostics"].size(), 100u);
    EXPECT_EQ(doc["profiles"][0]["not_shown"], 79900);
}

}  // namespace
