// Reproducible builds: tests/integration/bake/data/small.yml built again here, cold, with a layer
// cache of its own (only the downloaded .debs are shared), gives the same bytes as the
// kiln_small_image fixture's build (the shared cache): qcow2, OVA, manifest and bill of
// materials. On a difference it says where: the files that differ inside the images
// (virt-diff), the first differing offset of the disks, the OVA members, the JSON lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "image_comparison.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

// The shared cache's downloads (packages/), linked into a new cache folder: the layer is built
// again, the .debs are not fetched again.
fs::path cache_with_packages_of(const fs::path& shared, const fs::path& cache) {
    fs::create_directories(cache);
    if (fs::exists(shared / "packages"))
        fs::copy(shared / "packages", cache / "packages",
                 fs::copy_options::recursive | fs::copy_options::create_hard_links);
    return cache;
}

TEST(ReproducibleBuild, ASecondColdBuildGivesTheSameBytes) {
    Scratch scratch("reproducible");
    const fs::path first = fs::path(KILN_TEST_IMAGE_DIR) / "small";
    ASSERT_TRUE(fs::exists(first / "kiln-small.qcow2")) << "the kiln_small_image fixture's build";
    const fs::path second = scratch.path / "out";
    const fs::path cache =
        cache_with_packages_of(test_cache(scratch.path / "none"), scratch.path / "cache");
    // The very profile path the fixture built: the manifest records it.
    auto build = run_command({kiln_binary(), "build", KILN_SMALL_PROFILE, "-o", second.string(),
                              "--cache-dir", cache.string(), "--accel", "tcg"});
    std::cout << "second, cold build: " << build.seconds << " s\n";
    ASSERT_EQ(build.exit_code, 0) << build.out;
    auto report = nlohmann::json::parse(read_text(second / "kiln-small.build.json"));
    EXPECT_EQ(report["cache"]["hit"], false) << "the second build must not reuse a layer";

    for (const auto& difference : small_output_differences(first, second, scratch.path))
        ADD_FAILURE() << difference;
}

}  // namespace
