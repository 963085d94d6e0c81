#pragma once

#include <filesystem>

#include "core/root_dir.hpp"
#include "sources/collection.hpp"

namespace kiln::firstboot {

// Transport 4: QEMU fw_cfg under `root`: /sys/firmware/qemu_fw_cfg/by_name/opt/kiln/<key>/raw
// per key (at most node::kMaxValueBytes), and opt/kiln/metadata/raw holding a whole metadata
// document (at most kMaxDecodedBytes; per-key files win). Regular files only.
void read_fw_cfg(const RootDir& root, Collection& out);

}  // namespace kiln::firstboot
