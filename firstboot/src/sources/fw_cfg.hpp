#pragma once

#include <filesystem>

#include "sources/collection.hpp"

namespace kiln::firstboot {

// Transport 4: QEMU fw_cfg under `root`: /sys/firmware/qemu_fw_cfg/by_name/opt/kiln/<key>/raw
// per key, and opt/kiln/metadata/raw holding a whole metadata document (per-key files win).
void read_fw_cfg(const std::filesystem::path& root, Collection& out);

}  // namespace kiln::firstboot
