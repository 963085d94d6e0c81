// The sysprep table is the one list of sysprep operations: the profile validates names and
// fills defaults from it, the plan takes its summaries and places each operation by it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "plan/planner.hpp"
#include "profile/loader.hpp"
#include "sysprep/operations.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

class SysprepTable : public ::testing::Test {
protected:
    SysprepTable() { fs::create_directories(dir_); }
    ~SysprepTable() override { fs::remove_all(dir_); }

    std::optional<profile::Profile> load(const std::string& sysprep) {
        fs::path file = dir_ / "p.yml";
        std::ofstream(file) << "version: 1\nbase:\n  bootstrap:\n    tool: debootstrap\n"
                               "    release: bookworm\n    mirror: http://deb.debian.org/debian\n"
                            << sysprep;
        return profile::load(file.string(), {}, sources_, report_);
    }

    fs::path dir_ = fs::temp_directory_path() / ("kiln-sysprep-" + std::to_string(::getpid()));
    SourceFiles sources_;
    Report report_;
};

TEST_F(SysprepTable, NamesAreUnique) {
    std::set<std::string_view> names;
    for (const auto& op : sysprep::operations()) EXPECT_TRUE(names.insert(op.name).second);
    EXPECT_EQ(sysprep::find("machine-id")->summary,
              "empty /etc/machine-id (each clone gets its own)");
    EXPECT_EQ(sysprep::find("machineid"), nullptr);
}

TEST_F(SysprepTable, GivesTheDefaults) {
    auto p = load("");
    ASSERT_TRUE(p) << report_.format(&sources_);
    std::vector<std::string> expected, actual;
    for (const auto& op : sysprep::operations())
        if (op.enabled_by_default) expected.emplace_back(op.name);
    for (const auto& op : p->sysprep.operations) actual.push_back(op.value);
    EXPECT_EQ(actual, expected);
}

TEST_F(SysprepTable, AcceptsItsNamesAndLocatesOthers) {
    std::string all;
    for (const auto& op : sysprep::operations())
        all += std::string(all.empty() ? "" : ", ") += op.name;
    EXPECT_TRUE(load("sysprep:\n  operations: [" + all + "]\n")) << report_.format(&sources_);

    EXPECT_FALSE(load("sysprep:\n  operations: [logs, tmp-file]\n"));
    ASSERT_EQ(report_.error_count(), 1u);
    const auto& error = report_.diagnostics().back();
    EXPECT_EQ(error.message, "unknown sysprep operation 'tmp-file' (did you mean 'tmp-files'?)");
    EXPECT_EQ(error.location.line, 8);
    EXPECT_EQ(error.location.column, 22);
}

TEST_F(SysprepTable, GivesThePlanItsSummariesAndPlaces) {
    auto p = load("");
    ASSERT_TRUE(p) << report_.format(&sources_);
    auto plan = plan::make_plan(*p, {});
    for (const auto& record : sysprep::operations()) {
        const std::string name = "sysprep-" + std::string(record.name);
        auto op = std::find_if(plan.operations.begin(), plan.operations.end(),
                               [&](const plan::Operation& o) { return o.name() == name; });
        ASSERT_NE(op, plan.operations.end()) << name;
        EXPECT_EQ(op->summary, record.summary);
        if (record.perform) {
            EXPECT_EQ(op->stage, plan::Stage::sysprep) << name;
            EXPECT_EQ(std::get<plan::RunSysprep>(op->action).operation, &record);
        } else {
            EXPECT_EQ(op->stage, plan::Stage::disk) << name << " works on the finished disk";
        }
    }
}

}  // namespace
