// NAME.manifest.json is the same for two builds of one profile; how each run went (cache,
// timings, statuses) is NAME.build.json.
#include "bake/build_record.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using namespace kiln;
using namespace kiln::bake;

struct BuildRun {
    std::ostringstream out;
    Progress progress{out, false, 2};
};

TEST(BuildRecord, TheManifestHoldsNothingThatDiffersBetweenRuns) {
    profile::Profile profile;
    profile.name = {"small", {}};
    plan::Plan plan;
    plan.profile_digest = "p1";
    plan.package_layer_digest = "l1";
    plan::Operation bootstrap{plan::Stage::base, plan::Bootstrap{}, "bookworm", {}, "d1"};
    plan::Operation overlay{plan::Stage::customize, plan::CopyOverlay{}, "overlay", {}, "d2"};

    BuildRun cold, cached;
    cold.progress.begin(bootstrap, 1);
    cold.progress.end(bootstrap, OpStatus::done);
    cached.progress.begin(bootstrap, 1);
    cached.progress.end(bootstrap, OpStatus::cached);
    for (BuildRun* run : {&cold, &cached}) {
        run->progress.begin(overlay, 2);
        run->progress.end(overlay, OpStatus::done);
    }
    cold.progress.add_phase_time("cache-store", 3.5);
    cached.progress.add_phase_time("cache-restore", 1.25);

    auto input = [&](const BuildRun& run, bool hit, double seconds) {
        ManifestInput m;
        m.profile = &profile;
        m.plan = &plan;
        m.base_kind = "debootstrap";
        m.cache_enabled = true;
        m.cache_hit = hit;
        m.accel = hit ? "kvm" : "tcg";
        m.progress = &run.progress;
        m.seconds = seconds;
        m.source_date_epoch = 1700000000;
        return m;
    };
    auto a = input(cold, false, 300.5), b = input(cached, true, 40.25);
    EXPECT_EQ(make_manifest(a).dump(2), make_manifest(b).dump(2));
    auto manifest = make_manifest(a);
    EXPECT_EQ(manifest["source_date_epoch"], 1700000000);
    ASSERT_EQ(manifest["operations"].size(), 2u);
    EXPECT_EQ(manifest["operations"][0]["digest"], "d1");
    for (const char* run_only : {"seconds", "stages", "cache", "accel"})
        EXPECT_FALSE(manifest.contains(run_only)) << run_only;
    EXPECT_FALSE(manifest["operations"][0].contains("status"));

    auto report_a = make_build_report(a), report_b = make_build_report(b);
    EXPECT_EQ(report_a["cache"]["hit"], false);
    EXPECT_EQ(report_b["cache"]["hit"], true);
    EXPECT_EQ(report_b["operations"][0]["status"], "cached");
    EXPECT_EQ(report_a["seconds"], 300.5);
    EXPECT_EQ(report_b["accel"], "kvm");
    EXPECT_EQ(report_a["stages"].back()["stage"], "cache-store");
}

}  // namespace
