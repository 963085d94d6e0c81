#pragma once

#include <string>
#include <vector>

#include "export/verify/member_order.hpp"
#include "export/verify/report.hpp"
#include "export/verify/tar_members.hpp"

// The .mf manifest: well-formed lines, each member listed once (but the manifest and the
// certificate) and its digest right.
namespace kiln::exporter::verify_detail {

// `manifest` is the text of layout.mf, which must be set. Faults and warnings ("manifest").
void check_manifest(int fd, const std::vector<TarMember>& members, const OvaLayout& layout,
                    const std::string& manifest, VerifyReport& report);

}  // namespace kiln::exporter::verify_detail
