// The build's SOURCE_DATE_EPOCH: the profile key (located errors), the environment, the default,
// and what the plan makes of it.
#include "profile/source_date_epoch.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kiln/error.hpp"
#include "plan/planner.hpp"
#include "profile/loader.hpp"

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::profile;

namespace {

// Sets SOURCE_DATE_EPOCH for one test and restores the absence after it.
struct EpochVariable {
    explicit EpochVariable(const char* value) { ::setenv("SOURCE_DATE_EPOCH", value, 1); }
    ~EpochVariable() { ::unsetenv("SOURCE_DATE_EPOCH"); }
};

class ProfileEpoch : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("kiln-epoch-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::optional<Profile> load(const std::string& epoch_line) {
        std::ofstream(dir_ / "p.yml") << "version: 1\n"
                                      << epoch_line
                                      << "base:\n  bootstrap:\n    tool: debootstrap\n"
                                         "    release: bookworm\n"
                                         "    mirror: http://deb.debian.org/debian\n";
        sources_ = {};
        report_ = {};
        return profile::load((dir_ / "p.yml").string(), {}, sources_, report_);
    }

    fs::path dir_;
    SourceFiles sources_;
    Report report_;
};

TEST(SourceDateEpoch, ParsesUnixSecondsWithinItsBounds) {
    EXPECT_EQ(parse_source_date_epoch("1700000000"), 1700000000);
    EXPECT_EQ(parse_source_date_epoch("86400"), kMinSourceDateEpoch);
    EXPECT_EQ(parse_source_date_epoch("8589934591"), kMaxSourceDateEpoch);
    // 0 would make shadow's lastchg 0: every account must change its password first.
    for (const char* bad :
         {"0", "86399", "8589934592", "-1", "1e9", "2024-01-01", " 1700000000", "1700000000 ", ""})
        EXPECT_FALSE(parse_source_date_epoch(bad)) << bad;
}

TEST(SourceDateEpoch, TheEnvironmentIsReadAndABadValueNamesTheVariable) {
    ::unsetenv("SOURCE_DATE_EPOCH");
    EXPECT_FALSE(environment_source_date_epoch());
    {
        EpochVariable set("");
        EXPECT_FALSE(environment_source_date_epoch()) << "empty counts as unset";
    }
    {
        EpochVariable set("1700000000");
        EXPECT_EQ(environment_source_date_epoch(), 1700000000);
    }
    EpochVariable set("yesterday");
    try {
        environment_source_date_epoch();
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("SOURCE_DATE_EPOCH='yesterday'"), std::string::npos)
            << e.what();
    }
}

TEST(SourceDateEpoch, TheProfileWinsOverTheEnvironmentWhichWinsOverTheDefault) {
    Located<long long> from_profile{1600000000, {"p.yml", 2, 20}};
    auto a = resolve_source_date_epoch(from_profile, 1700000000);
    EXPECT_EQ(a.seconds, 1600000000);
    EXPECT_EQ(a.origin, EpochOrigin::profile);
    auto b = resolve_source_date_epoch(std::nullopt, 1700000000);
    EXPECT_EQ(b.seconds, 1700000000);
    EXPECT_EQ(b.origin, EpochOrigin::environment);
    auto c = resolve_source_date_epoch(std::nullopt, std::nullopt);
    EXPECT_EQ(c.seconds, kDefaultSourceDateEpoch);
    EXPECT_EQ(c.origin, EpochOrigin::fallback);
    EXPECT_EQ(describe(c), "1704067200 (2024-01-01T00:00:00Z, kiln's default)");
}

TEST_F(ProfileEpoch, TheKeyIsReadAndABadValueIsLocated) {
    auto good = load("source_date_epoch: 1700000000\n");
    ASSERT_TRUE(good) << report_.format(&sources_);
    ASSERT_TRUE(good->source_date_epoch);
    EXPECT_EQ(good->source_date_epoch->value, 1700000000);
    EXPECT_EQ(good->source_date_epoch->where.line, 2);

    auto absent = load("");
    ASSERT_TRUE(absent) << report_.format(&sources_);
    EXPECT_FALSE(absent->source_date_epoch);

    for (const char* bad : {"source_date_epoch: 0\n", "source_date_epoch: soon\n",
                            "source_date_epoch: 99999999999\n"}) {
        load(bad);
        std::string text = report_.format(&sources_);
        EXPECT_EQ(report_.error_count(), 1u) << bad << text;
        EXPECT_NE(text.find("p.yml:2:20: error: 'source_date_epoch' must be an integer from 86400 "
                            "to 8589934591"),
                  std::string::npos)
            << text;
    }
}

TEST_F(ProfileEpoch, ThePlanCarriesItAndTheBaseDigestFollowsIt) {
    auto p = load("source_date_epoch: 1700000000\n");
    ASSERT_TRUE(p) << report_.format(&sources_);
    auto pinned = plan::make_plan(*p, {.environment_epoch = 1800000000});
    EXPECT_EQ(pinned.source_date_epoch.seconds, 1700000000);
    const auto& bootstrap = std::get<plan::Bootstrap>(pinned.operations.front().action);
    EXPECT_EQ(bootstrap.source_date_epoch, 1700000000) << "every bootstrap command gets it";

    p->source_date_epoch.reset();
    auto from_environment = plan::make_plan(*p, {.environment_epoch = 1800000000});
    EXPECT_EQ(from_environment.source_date_epoch.seconds, 1800000000);
    EXPECT_NE(from_environment.package_layer_digest, pinned.package_layer_digest)
        << "another epoch is another package layer (shadow's dates, the initramfs)";
    EXPECT_EQ(plan::make_plan(*p, {}).source_date_epoch.seconds, kDefaultSourceDateEpoch);
}

}  // namespace
