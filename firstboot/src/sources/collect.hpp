#pragma once

#include <filesystem>
#include <optional>

#include "core/root_dir.hpp"
#include "sources/collection.hpp"
#include "sources/guestinfo.hpp"

namespace kiln::firstboot {

struct CollectOptions {
    std::optional<std::filesystem::path> metadata_file = std::nullopt;  // --metadata
    std::optional<std::filesystem::path> ovf_env_file = std::nullopt;   // --ovf-env
    bool mount_cdrom = false;  // look for ovf-env.xml on /dev/sr0 (a live run on / only)
};

// The collect stage: the image configuration, then every transport that is present. Absent
// transports are skipped quickly and quietly. `guestinfo` is the detected client, if any.
Collection collect(const RootDir& root, const CollectOptions& options, GuestInfo* guestinfo);

// The image configuration (/etc/kiln/image.yml: a regular file of at most
// kMaxImageConfigBytes, UTF-8), checked. Problems go to `report`; nullopt when it is absent or
// cannot be read.
inline constexpr std::size_t kMaxImageConfigBytes = 1 << 20;
std::optional<image::ImageConfig> read_image_config(const RootDir& root, SourceFiles& sources,
                                                    Report& report);

}  // namespace kiln::firstboot
