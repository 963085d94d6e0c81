#include "storage/data_disk.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "apply/stamp.hpp"
#include "core/files.hpp"
#include "kiln/atomic_file.hpp"
#include "kiln/dcs.hpp"
#include "kiln/error.hpp"
#include "kiln/process.hpp"
#include "storage/disk_discovery.hpp"
#include "storage/disk_probe.hpp"

namespace kiln::firstboot {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMarker = ".kiln/member.json";

std::string gib(std::uint64_t bytes) {
    return std::to_string((bytes + (1ull << 29)) >> 30) + " GiB";
}

std::string read_or_empty(const fs::path& path) {
    return read_regular_file(path, 1 << 20, "a kernel table").value_or("");
}

std::vector<std::string> mkfs_command(const image::DataDisk& disk, const fs::path& device) {
    if (disk.filesystem == "xfs") return {"mkfs.xfs", "-q", "-L", disk.label, device.string()};
    // 1 % reserved for root instead of 5 %: the disk holds services' data, not a system.
    return {"mkfs." + disk.filesystem, "-q", "-L", disk.label, "-m", "1", device.string()};
}

// After mkfs, udev makes /dev/disk/by-label/LABEL from the change event; wait for it.
void wait_for_label(const image::DataDisk& disk, const fs::path& device, const fs::path& root) {
    if (root == "/") {
        run_process({.argv = {"udevadm", "trigger", "--action=change",
                              "--sysname-match=" + device.filename().string()},
                     .timeout = std::chrono::seconds(30)});
        run_process(
            {.argv = {"udevadm", "settle", "--timeout=30"}, .timeout = std::chrono::seconds(40)});
    }
    for (int i = 0; i < 60 && !device_by_label(root, disk.label); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (!device_by_label(root, disk.label))
        throw Error("formatted " + device.string() + " with label '" + disk.label +
                    "', but /dev/disk/by-label/" + disk.label + " did not appear");
}

bool is_mount_of(const fs::path& mount, const fs::path& device) {
    struct stat m {
    }, d{};
    if (::stat(mount.c_str(), &m) != 0 || ::stat(device.c_str(), &d) != 0) return false;
    // A block device: the filesystem on it has its device number. A disk image (tests): the
    // folder is never "mounted", so this guard holds only on a real node.
    return S_ISBLK(d.st_mode) ? m.st_dev == d.st_rdev : true;
}

void move_aside(const fs::path& mount, const std::vector<std::string>& names,
                const std::string& why, std::vector<std::string>& notes) {
    fs::path aside = mount / ".kiln" / ("aside-" + utc_now());
    for (const auto& name : names) {
        fs::path from = mount / name;
        if (!fs::exists(from)) continue;
        fs::create_directories(aside);
        fs::rename(from, aside / name);
        notes.push_back("moved " + from.string() + " to " + (aside / name).string() + " (" + why +
                        ")");
    }
}

void make_owned_directory(const fs::path& path, const Accounts& accounts, const std::string& user) {
    auto account = accounts.user(user);
    if (!account) return;  // the service is not in this image
    fs::create_directories(path);
    if (::chown(path.c_str(), account->uid, account->gid) != 0)
        throw SystemError("cannot give " + path.string() + " to " + user, errno);
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace);
}

}  // namespace

StatePaths state_paths(const image::ImageConfig& image, const DcsDataDirs& dcs_defaults) {
    if (!image.data_disk) return {image.postgres_data_dir, dcs_defaults};
    fs::path mount = image.data_disk->mount;
    auto on_disk = [&](std::string_view server) { return mount / dcs::find(server)->data_folder; };
    return {mount / "postgresql/data", {on_disk("etcd"), on_disk("zookeeper"), on_disk("consul")}};
}

FoundDisk find_or_format_data_disk(const image::DataDisk& disk, const fs::path& root, Log& log) {
    if (auto device = device_by_label(root, disk.label)) {
        std::string type = filesystem_type(*device);
        if (type != disk.filesystem)
            throw Error("the data disk " + device->string() + " (label '" + disk.label +
                        "') holds " + (type.empty() ? "no known" : "an " + type) +
                        " filesystem; this image expects " + disk.filesystem);
        return {*device, false};
    }
    auto candidates =
        candidate_data_disks(root / "sys/block", read_or_empty(root / "proc/self/mountinfo"),
                             read_or_empty(root / "proc/swaps"));
    if (candidates.empty())
        throw Error("no data disk: this image keeps the node's state on a second disk (label '" +
                    disk.label +
                    "' once formatted), and no disk without a mounted filesystem is attached; "
                    "attach an empty disk (the OVA declares one)");
    if (candidates.size() > 1) {
        std::string list;
        for (const auto& c : candidates)
            list += (list.empty() ? "" : ", ") + c.device.string() + " (" + gib(c.bytes) + ")";
        throw Error("more than one disk could be the data disk: " + list +
                    "; attach only one, or give the one to use the label '" + disk.label + "'");
    }
    const BlockDisk& candidate = candidates.front();
    fs::path device = root / candidate.device.relative_path();
    DiskContents contents = probe_disk(device);
    if (!contents.blank)
        throw Error("refusing to format " + candidate.device.string() +
                    " as the data disk: it holds " + contents.description +
                    "; kiln formats only an entirely blank disk (if it is meant to be the data "
                    "disk, wipe it yourself: wipefs -a " +
                    candidate.device.string() + ")");
    log.info("formatting the blank disk " + candidate.device.string() + " (" +
             gib(candidate.bytes) + ") as " + disk.filesystem + " labelled '" + disk.label + "'");
    run_process_checked({.argv = mkfs_command(disk, device), .timeout = std::chrono::minutes(10)},
                        "formatting the data disk " + candidate.device.string());
    wait_for_label(disk, device, root);
    return {device, true};
}

std::vector<std::string> prepare_state_directories(
    const image::DataDisk& disk, const fs::path& device, const MemberIdentity& member,
    const Accounts& accounts, const std::string& postgres_user, const fs::path& root) {
    fs::path mount = under_root(root, disk.mount);
    if (!is_mount_of(mount, device))
        throw Error(disk.mount + " is not the data disk's filesystem (" + device.string() +
                    "): refusing to put the node's state on the OS disk");
    std::vector<std::string> notes;
    fs::path marker = mount / kMarker;
    std::string since = utc_now();
    if (auto text = read_regular_file(marker, 64 * 1024, "the data disk's member marker")) {
        auto json = nlohmann::json::parse(*text, nullptr, false);
        if (!json.is_object()) json = nlohmann::json::object();
        std::string cluster = json.value("cluster", ""), name = json.value("name", "");
        std::vector<std::string> member_folders;
        for (const auto& server : dcs::servers()) member_folders.emplace_back(server.data_folder);
        std::vector<std::string> cluster_folders = member_folders;
        cluster_folders.insert(cluster_folders.begin(), "postgresql");
        if (cluster != member.cluster)
            move_aside(mount, cluster_folders,
                       "it belongs to cluster '" + cluster + "', not '" + member.cluster + "'",
                       notes);
        else if (name != member.name)
            move_aside(mount, member_folders,
                       "it is member " + name + "'s, not " + member.name + "'s", notes);
        else
            since = json.value("since", since);
    }
    fs::create_directories(marker.parent_path());
    nlohmann::json json = {{"cluster", member.cluster}, {"name", member.name}, {"since", since}};
    write_file_atomically(marker, json.dump(2) + "\n", 0644);
    make_owned_directory(mount / "postgresql", accounts, postgres_user);
    for (const auto& server : dcs::servers())
        make_owned_directory(mount / server.data_folder, accounts, std::string(server.account));
    return notes;
}

}  // namespace kiln::firstboot
