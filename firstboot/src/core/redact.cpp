#include "core/redact.hpp"

#include <algorithm>

namespace kiln::firstboot {

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
    std::vector<std::string_view> sorted;
    for (const auto& s : secrets)
        if (!s.empty()) sorted.emplace_back(s);
    std::sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return a.size() > b.size(); });
    std::string out;
    out.reserve(text.size());
    constexpr std::string_view kHidden = "(hidden)";
    for (std::size_t i = 0; i < text.size();) {
        if (text.substr(i).starts_with(kHidden)) {  // already redacted: never redact it again
            out += kHidden;
            i += kHidden.size();
            continue;
        }
        auto match = std::find_if(sorted.begin(), sorted.end(), [&](std::string_view s) {
            return text.substr(i).starts_with(s);
        });
        if (match != sorted.end()) {
            out += kHidden;
            i += match->size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

}  // namespace kiln::firstboot
