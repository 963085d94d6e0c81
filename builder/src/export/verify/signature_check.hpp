#pragma once

#include <string>

#include "export/verify/member_order.hpp"
#include "export/verify/report.hpp"

// The .cert member: the manifest's signature and the certificate that made it.
namespace kiln::exporter::verify_detail {

// layout.cert must be set; `manifest` is the text of layout.mf ("" when there is none).
// Findings ("signature").
void check_signature(int fd, const OvaLayout& layout, const std::string& manifest,
                     VerifyReport& report);

}  // namespace kiln::exporter::verify_detail
