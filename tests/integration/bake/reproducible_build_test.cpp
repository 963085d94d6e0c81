// Reproducible builds: tests/integration/bake/data/small.yml built again here, cold, with a layer
// cache of its own (only the downloaded .debs are shared), gives the same bytes as the
// kiln_small_image fixture's build (the shared cache): qcow2, OVA, manifest and bill of
// materials. On a difference it says where: the files that differ inside the images
// (virt-diff), the first differing offset of the disks, the OVA members, the JSON lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "kiln/sha256.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

const std::vector<std::string> kCompared = {"kiln-small.qcow2", "kiln-small.ova",
                                            "kiln-small.manifest.json", "kiln-small.spdx.json"};

// The shared cache's downloads (packages/), linked into a new cache folder: the layer is built
// again, the .debs are not fetched again.
fs::path cache_with_packages_of(const fs::path& shared, const fs::path& cache) {
    fs::create_directories(cache);
    if (fs::exists(shared / "packages"))
        fs::copy(shared / "packages", cache / "packages",
                 fs::copy_options::recursive | fs::copy_options::create_hard_links);
    return cache;
}

std::string ova_member_differences(const fs::path& a, const fs::path& b, const fs::path& scratch) {
    std::string out;
    for (const auto& [ova, to] :
         {std::pair{a, scratch / "ova-a"}, std::pair{b, scratch / "ova-b"}}) {
        fs::create_directories(to);
        run_command({"tar", "-xf", ova.string(), "-C", to.string()});
    }
    out += run_command({"tar", "-tvf", a.string()}).out + "---\n" +
           run_command({"tar", "-tvf", b.string()}).out;
    for (const auto& entry : fs::directory_iterator(scratch / "ova-a")) {
        fs::path other = scratch / "ova-b" / entry.path().filename();
        if (!fs::exists(other) ||
            kiln::sha256_file_hex(entry.path()) != kiln::sha256_file_hex(other))
            out += "member differs: " + entry.path().filename().string() + "\n";
    }
    return out;
}

// Where two disks differ: the first offset (qemu-img compare) and the files (virt-diff, with
// every time field and the directories' times).
std::string disk_differences(const fs::path& a, const fs::path& b) {
    std::string out =
        run_command({"qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", a.string(), b.string()})
            .out;
    auto diff = run_command({"virt-diff", "-a", a.string(), "-A", b.string(), "--all", "--atime",
                             "--dir-times", "--time-t"});
    std::string files =
        diff.out.size() > 20000 ? diff.out.substr(0, 20000) + "\n[...]\n" : diff.out;
    return out + "virt-diff (" + std::to_string(diff.exit_code) + "):\n" + files;
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

    for (const auto& name : kCompared) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(fs::exists(first / name));
        ASSERT_TRUE(fs::exists(second / name));
        std::string a = kiln::sha256_file_hex(first / name),
                    b = kiln::sha256_file_hex(second / name);
        if (a == b) continue;
        std::string where;
        if (name.ends_with(".qcow2"))
            where = disk_differences(first / name, second / name);
        else if (name.ends_with(".ova"))
            where = ova_member_differences(first / name, second / name, scratch.path);
        else
            where =
                run_command({"diff", "-u", (first / name).string(), (second / name).string()}).out;
        ADD_FAILURE() << name << " differs between two builds (" << a << " and " << b << "):\n"
                      << where;
    }
}

}  // namespace
