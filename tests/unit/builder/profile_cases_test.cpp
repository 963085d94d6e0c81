// Every file in profile_cases/ is a profile beside its expected report (NAME.expected):
// positive (good-*), warning-only (warn-*) and negative (bad-*) cases side by side.
// KILN_UPDATE_GOLDEN=1 rewrites the .expected files; review the diff before committing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "profile/loader.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

const fs::path kCases = fs::path(KILN_TEST_DATA) / "profile_cases";

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kCases))
        if (entry.path().extension() == ".yml") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Loads with the cases folder as the working directory, so reports name files as a user
// running `kiln validate NAME.yml` there would see them.
struct CaseResult {
    Report report;
    std::string text;
};

CaseResult run_case(const std::string& name) {
    fs::path previous = fs::current_path();
    fs::current_path(kCases);
    SourceFiles sources;
    CaseResult result;
    profile::load(name + ".yml", {}, sources, result.report);
    result.text = result.report.format(&sources);
    fs::current_path(previous);
    return result;
}

class ProfileCase : public ::testing::TestWithParam<std::string> {};

TEST_P(ProfileCase, ReportMatchesExpected) {
    const std::string& name = GetParam();
    CaseResult result = run_case(name);
    fs::path expected_path = kCases / (name + ".expected");
    if (std::getenv("KILN_UPDATE_GOLDEN")) {
        std::ofstream(expected_path) << result.text;
        GTEST_SKIP() << "rewrote " << expected_path;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
    EXPECT_EQ(read(expected_path), result.text);

    if (name.starts_with("bad-")) {
        EXPECT_TRUE(result.report.has_errors()) << name << " must be rejected";
    } else if (name.starts_with("warn-")) {
        EXPECT_FALSE(result.report.has_errors());
        EXPECT_GT(result.report.warning_count(), 0u);
    } else {
        ASSERT_TRUE(name.starts_with("good-")) << "case names start with good-, warn- or bad-";
        EXPECT_TRUE(result.report.empty()) << result.text;
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, ProfileCase, ::testing::ValuesIn(case_names()),
                         [](const auto& info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(ProfileCases, EnoughNegativeCasesEachWithOneLocatedError) {
    std::size_t negative = 0;
    for (const auto& name : case_names()) {
        if (!name.starts_with("bad-")) continue;
        ++negative;
        CaseResult result = run_case(name);
        for (const auto& d : result.report.diagnostics())
            EXPECT_TRUE(d.location.has_position()) << name << ": " << d.message;
    }
    EXPECT_GE(negative, 30u);
}

}  // namespace
