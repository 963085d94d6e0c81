#pragma once

// Two builds of tests/integration/bake/data/small.yml compared byte for byte (the qcow2, OVA,
// manifest and bill of materials), and where they differ when they do: the files inside the
// images (virt-diff), the first differing offset of the disks, the OVA members, the JSON lines.
// reproducible_build_test and rootless_build_test compare against the kiln_small_image fixture.
#include <filesystem>
#include <string>
#include <vector>

#include "harness.hpp"
#include "kiln/sha256.hpp"

namespace kiln_test {

inline const std::vector<std::string> kSmallOutputs = {
    "kiln-small.qcow2", "kiln-small.ova", "kiln-small.manifest.json", "kiln-small.spdx.json"};

inline std::string ova_member_differences(const std::filesystem::path& a,
                                          const std::filesystem::path& b,
                                          const std::filesystem::path& scratch) {
    namespace fs = std::filesystem;
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
inline std::string disk_differences(const std::filesystem::path& a,
                                    const std::filesystem::path& b) {
    std::string out =
        run_command({"qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", a.string(), b.string()})
            .out;
    auto diff = run_command({"virt-diff", "-a", a.string(), "-A", b.string(), "--all", "--atime",
                             "--dir-times", "--time-t"});
    std::string files =
        diff.out.size() > 20000 ? diff.out.substr(0, 20000) + "\n[...]\n" : diff.out;
    return out + "virt-diff (" + std::to_string(diff.exit_code) + "):\n" + files;
}

// One message per output of kSmallOutputs that is missing or differs between the folders `first`
// and `second`, saying where; empty when they are the same bytes.
inline std::vector<std::string> small_output_differences(const std::filesystem::path& first,
                                                         const std::filesystem::path& second,
                                                         const std::filesystem::path& scratch) {
    std::vector<std::string> out;
    for (const auto& name : kSmallOutputs) {
        if (!std::filesystem::exists(first / name) || !std::filesystem::exists(second / name)) {
            out.push_back(name + " is missing from " + first.string() + " or " + second.string());
            continue;
        }
        std::string a = kiln::sha256_file_hex(first / name),
                    b = kiln::sha256_file_hex(second / name);
        if (a == b) continue;
        std::string where;
        if (name.ends_with(".qcow2"))
            where = disk_differences(first / name, second / name);
        else if (name.ends_with(".ova"))
            where = ova_member_differences(first / name, second / name, scratch);
        else
            where =
                run_command({"diff", "-u", (first / name).string(), (second / name).string()}).out;
        out.push_back(name + " differs between the two builds (" + a + " and " + b + "):\n" +
                      where);
    }
    return out;
}

}  // namespace kiln_test
