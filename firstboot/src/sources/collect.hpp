#pragma once

#include <filesystem>
#include <optional>

#include "sources/collection.hpp"
#include "sources/guestinfo.hpp"

namespace kiln::firstboot {

struct CollectOptions {
    std::filesystem::path root = "/";
    std::optional<std::filesystem::path> metadata_file = std::nullopt;  // --metadata
    std::optional<std::filesystem::path> ovf_env_file = std::nullopt;   // --ovf-env
    bool mount_cdrom = false;  // look for ovf-env.xml on /dev/sr0 (a live run on / only)
};

// The collect stage: the image configuration, then every transport that is present. Absent
// transports are skipped quickly and quietly. `guestinfo` is the detected client, if any.
Collection collect(const CollectOptions& options, GuestInfo* guestinfo);

}  // namespace kiln::firstboot
