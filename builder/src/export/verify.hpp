#pragma once

#include <filesystem>

#include "export/verify/report.hpp"
#include "export/verify/vmdk_check.hpp"
#include "kiln/enum_names.hpp"

// `kiln verify`: checks an OVA the way its consumers will read it, and reports every fault.
// The checks, one per file, are in export/verify/.
namespace kiln::exporter {

// An OVA: USTAR structure, member order, manifest digests, signature, OVF references and
// sizes, and every VMDK's structure.
VerifyReport verify_ova(const std::filesystem::path& path);

// A streamOptimized VMDK on its own.
VerifyReport verify_vmdk(const std::filesystem::path& path);

}  // namespace kiln::exporter
