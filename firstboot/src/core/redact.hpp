#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiln::firstboot {

// Replaces every occurrence of any secret in `text` with "(hidden)", in one pass over the
// original text (longest secret first), so that a replacement is never scanned again.
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

}  // namespace kiln::firstboot
