#include "storage/disk_discovery.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace kiln::firstboot {

namespace fs = std::filesystem;

namespace {

std::string read_attribute(const fs::path& path) {
    std::ifstream in(path);
    std::string value;
    std::getline(in, value);
    return value;
}

bool virtual_or_optical(const std::string& name) {
    for (const char* prefix : {"loop", "ram", "zram", "sr", "dm-", "md", "nbd", "fd"})
        if (name.starts_with(prefix)) return true;
    return false;
}

bool has_entries(const fs::path& dir) {
    std::error_code ec;
    return fs::directory_iterator(dir, ec) != fs::directory_iterator();
}

// The disk and its partitions: each one's major:minor, and whether anything is stacked on it.
struct DiskParts {
    std::vector<std::string> numbers;
    std::vector<std::string> names;
    bool holders = false;
};

DiskParts parts_of(const fs::path& disk_dir, const std::string& name) {
    DiskParts parts;
    parts.numbers.push_back(read_attribute(disk_dir / "dev"));
    parts.names.push_back(name);
    parts.holders = has_entries(disk_dir / "holders");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(disk_dir, ec)) {
        std::string child = entry.path().filename().string();
        if (!child.starts_with(name) || !fs::exists(entry.path() / "partition")) continue;
        parts.numbers.push_back(read_attribute(entry.path() / "dev"));
        parts.names.push_back(child);
        parts.holders = parts.holders || has_entries(entry.path() / "holders");
    }
    return parts;
}

bool swaps_on(const std::string& swaps, const std::vector<std::string>& names) {
    std::istringstream lines(swaps);
    for (std::string line; std::getline(lines, line);) {
        std::string path = line.substr(0, line.find_first_of(" \t"));
        std::string base = fs::path(path).filename().string();
        if (std::find(names.begin(), names.end(), base) != names.end()) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> mounted_device_numbers(const std::string& mountinfo) {
    // Each line: id parent major:minor root mountpoint ...
    std::vector<std::string> numbers;
    std::istringstream lines(mountinfo);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string id, parent, number;
        if (fields >> id >> parent >> number && !number.starts_with("0:"))
            numbers.push_back(number);
    }
    return numbers;
}

std::vector<BlockDisk> candidate_data_disks(const fs::path& sys_block, const std::string& mountinfo,
                                            const std::string& swaps) {
    std::vector<std::string> mounted = mounted_device_numbers(mountinfo);
    std::vector<BlockDisk> disks;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(sys_block, ec)) {
        std::string name = entry.path().filename().string();
        fs::path dir = entry.path();
        if (virtual_or_optical(name)) continue;
        if (read_attribute(dir / "removable") == "1" || read_attribute(dir / "ro") == "1") continue;
        std::uint64_t sectors = 0;
        try {
            sectors = std::stoull(read_attribute(dir / "size"));
        } catch (const std::exception&) {
            continue;
        }
        if (sectors == 0) continue;
        DiskParts parts = parts_of(dir, name);
        bool in_use =
            parts.holders || swaps_on(swaps, parts.names) ||
            std::any_of(parts.numbers.begin(), parts.numbers.end(), [&](const std::string& n) {
                return std::find(mounted.begin(), mounted.end(), n) != mounted.end();
            });
        if (in_use) continue;
        disks.push_back({name, fs::path("/dev") / name, sectors * 512});
    }
    std::sort(disks.begin(), disks.end(),
              [](const BlockDisk& a, const BlockDisk& b) { return a.name < b.name; });
    return disks;
}

std::optional<fs::path> device_by_label(const fs::path& root, const std::string& label) {
    fs::path link = root / "dev/disk/by-label" / label;
    std::error_code ec;
    if (!fs::exists(link, ec)) return std::nullopt;
    fs::path target = fs::canonical(link, ec);
    if (ec) return std::nullopt;
    return target;
}

}  // namespace kiln::firstboot
