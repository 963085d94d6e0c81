#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/accounts.hpp"
#include "kiln/image_config.hpp"
#include "report/log.hpp"
#include "validate/member_identity.hpp"

// The node's data disk at boot: found (by label, or as the one blank disk), formatted only when
// entirely blank, then, once mounted, checked to belong to this member and given a directory per
// service. A disk that belongs to another cluster or node never has its state used: that state
// is moved aside (never deleted) so the services rebuild from the running cluster.
namespace kiln::firstboot {

// Where each DCS server keeps its member's data.
struct DcsDataDirs {
    std::filesystem::path etcd;
    std::filesystem::path zookeeper;
    std::filesystem::path consul;
};

// Where each service keeps its state: on the data disk when the image has one (each DCS server
// in its folder of kiln/dcs.hpp), else PostgreSQL's image default and `dcs_defaults`.
struct StatePaths {
    std::filesystem::path postgres_data_dir;
    DcsDataDirs dcs;
};
StatePaths state_paths(const image::ImageConfig& image, const DcsDataDirs& dcs_defaults);

struct FoundDisk {
    std::filesystem::path device;
    bool formatted_now = false;
};

// The data disk's device, formatting it with its label when it is the one blank candidate.
// `root` holds /sys, /proc and /dev (the real root on a node). Throws Error naming the device
// and what it holds when it is not blank, or the candidates when there are none or several.
FoundDisk find_or_format_data_disk(const image::DataDisk& disk, const std::filesystem::path& root,
                                   Log& log);

// After the mount: checks that the mount point is the disk's filesystem (never the OS disk's
// folder), moves aside state that belongs to another cluster or member, writes this member's
// marker and makes each service's directory (owner, 0700). Returns notes for the log.
std::vector<std::string> prepare_state_directories(
    const image::DataDisk& disk, const std::filesystem::path& device, const MemberIdentity& member,
    const Accounts& accounts, const std::string& postgres_user, const std::filesystem::path& root);

}  // namespace kiln::firstboot
