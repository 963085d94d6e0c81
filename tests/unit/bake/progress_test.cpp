#include "bake/progress.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace {

using namespace kiln;

std::vector<nlohmann::json> lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

plan::Operation operation(plan::Stage stage, plan::Action action) {
    plan::Operation op;
    op.stage = stage;
    op.action = std::move(action);
    op.summary = "overlays/time -> /";
    return op;
}

TEST(Progress, JsonIsOneEventPerLineWithIntegerCounters) {
    std::ostringstream out;
    bake::Progress progress(out, /*json=*/true, 2);
    plan::Operation op = operation(plan::Stage::customize, plan::CopyOverlay{});
    progress.begin(op, 1);
    progress.end(op, bake::OpStatus::done, "3 files");
    progress.finished(true, 1.5);
    auto events = lines(out.str());
    ASSERT_EQ(events.size(), 4u) << out.str();
    EXPECT_EQ(events[0]["event"], "stage");
    EXPECT_EQ(events[1]["event"], "start");
    EXPECT_TRUE(events[1]["index"].is_number_integer()) << events[1];
    EXPECT_EQ(events[1]["index"], 1);
    EXPECT_EQ(events[1]["total"], 2);
    EXPECT_EQ(events[2]["status"], "done");
    EXPECT_EQ(events[2]["note"], "3 files");
    EXPECT_TRUE(events[2]["seconds"].is_number_float());
    EXPECT_EQ(events[3]["event"], "end");
    EXPECT_EQ(events[3]["result"], "ok");
}

TEST(Progress, TerminalShowsCountersAndStages) {
    std::ostringstream out;
    bake::Progress progress(out, /*json=*/false, 12);
    plan::Operation op = operation(plan::Stage::seal, plan::SealEtcdData{});
    progress.begin(op, 3);
    progress.end(op, bake::OpStatus::done, "");
    EXPECT_NE(out.str().find("==> seal\n"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("[ 3/12] seal-etcd-data"), std::string::npos) << out.str();
}

}  // namespace
