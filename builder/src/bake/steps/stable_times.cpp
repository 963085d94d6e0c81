#include "bake/steps/stable_times.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "bake/steps/debugfs.hpp"
#include "bake/tools.hpp"
#include "kiln/error.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

namespace {

// Clamps one entry's times; false when it needed none.
bool clamp_entry(const fs::path& path, std::int64_t epoch) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
        throw SystemError("cannot read the times of " + path.string(), errno);
    if (st.st_mtime <= epoch && st.st_atime <= epoch) return false;
    auto clamp = [epoch](const struct timespec& t) {
        return t.tv_sec > epoch ? timespec{epoch, 0} : t;
    };
    const struct timespec times[2] = {clamp(st.st_atim), clamp(st.st_mtim)};
    if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        throw SystemError("cannot set the times of " + path.string(), errno);
    return true;
}

std::uint64_t header_number(const std::string& line, std::string_view key) {
    return std::stoull(line.substr(key.size()));
}

}  // namespace

std::size_t clamp_tree_times(const fs::path& tree, std::int64_t epoch) {
    // Reading a folder sets its atime (relatime: an atime not after the mtime is renewed), so
    // folders are clamped after the walk has read them all.
    std::vector<fs::path> folders = {tree};
    std::size_t clamped = 0;
    for (const auto& entry : fs::recursive_directory_iterator(tree)) {
        if (entry.is_directory() && !entry.is_symlink())
            folders.push_back(entry.path());
        else if (clamp_entry(entry.path(), epoch))
            ++clamped;
    }
    for (const auto& folder : folders)
        if (clamp_entry(folder, epoch)) ++clamped;
    return clamped;
}

std::vector<std::uint32_t> populated_inodes(std::string_view dumpe2fs_output) {
    std::uint64_t count = 0, per_group = 0, first = 11;
    long group = -1;
    std::vector<bool> in_use;
    std::istringstream lines{std::string(dumpe2fs_output)};
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("Inode count:")) count = header_number(line, "Inode count:");
        if (line.starts_with("Inodes per group:"))
            per_group = header_number(line, "Inodes per group:");
        if (line.starts_with("First inode:")) first = header_number(line, "First inode:");
        // "Group 3: (Blocks ...", not the header's "Group descriptor size:".
        if (line.starts_with("Group ") && line.size() > 6 &&
            std::isdigit(static_cast<unsigned char>(line[6])))
            ++group;
        static constexpr std::string_view kFree = "  Free inodes:";
        if (group < 0 || !line.starts_with(kFree)) continue;
        if (in_use.empty()) in_use.assign(count + 1, false);
        const std::uint64_t start = group * per_group + 1, end = (group + 1) * per_group;
        for (std::uint64_t i = start; i <= end && i <= count; ++i) in_use[i] = true;
        std::istringstream ranges(line.substr(kFree.size()));
        for (std::string range; std::getline(ranges, range, ',');) {
            if (range.find_first_not_of(' ') == std::string::npos) continue;
            std::uint64_t low = std::stoull(range), high = low;
            if (auto dash = range.find('-'); dash != std::string::npos)
                high = std::stoull(range.substr(dash + 1));
            for (std::uint64_t i = low; i <= high && i <= count; ++i) in_use[i] = false;
        }
    }
    if (count == 0 || per_group == 0 || in_use.empty())
        throw Error("dumpe2fs printed no inode counts and free inodes");
    std::vector<std::uint32_t> out;
    for (std::uint64_t i = 2; i <= count; ++i)
        if (in_use[i] && (i == 2 || i >= first)) out.push_back(static_cast<std::uint32_t>(i));
    return out;
}

std::string ctime_commands(const std::vector<std::uint32_t>& inodes, std::int64_t epoch) {
    std::string out;
    for (auto inode : inodes) out += fmt::format("set_inode_field <{}> ctime @{}\n", inode, epoch);
    return out;
}

std::size_t set_inode_ctimes(const fs::path& image, std::uint64_t offset, std::int64_t epoch,
                             const fs::path& work) {
    const std::string device = filesystem_at(image, offset);
    ProcessResult listing = run_checked({{"dumpe2fs", device}},
                                        "listing the root filesystem's inodes", StdoutTo::result);
    auto inodes = populated_inodes(listing.out);
    run_debugfs(device, ctime_commands(inodes, epoch), work, epoch,
                "setting the root filesystem's ctimes");
    return inodes.size();
}

}  // namespace kiln::bake
