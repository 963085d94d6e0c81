#include "render/text_edit.hpp"

namespace kiln::firstboot {

namespace {
constexpr std::string_view kBegin = "# BEGIN kiln-firstboot";
constexpr std::string_view kEnd = "# END kiln-firstboot";

template <class F>
std::string filter_lines(const std::string& text, F&& keep) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + start, end - start);
        if (keep(line)) (out += line) += '\n';
        start = end + 1;
    }
    return out;
}
}  // namespace

std::string replace_settings(const std::string& original, const std::vector<std::string_view>& keys,
                             const std::vector<std::string>& lines) {
    std::string out = filter_lines(original, [&](std::string_view line) {
        for (auto key : keys) {
            if (!line.starts_with(key) || line.size() == key.size()) continue;
            char next = line[key.size()];
            if (next == '=' || next == ' ' || next == '\t') return false;
        }
        return true;
    });
    out = replace_block(out, [&] {
        std::string block;
        for (const auto& l : lines) block += l + "\n";
        return block;
    }());
    return out;
}

std::string replace_block(const std::string& original, const std::string& block) {
    bool inside = false;
    std::string out = filter_lines(original, [&](std::string_view line) {
        if (line == kBegin) inside = true;
        bool keep = !inside;
        if (line == kEnd) inside = false;
        return keep;
    });
    if (!out.empty() && !out.ends_with("\n")) out += "\n";
    return out + std::string(kBegin) + "\n" + block + std::string(kEnd) + "\n";
}

std::string disable_ifupdown_stanzas(const std::string& original, const std::string& iface) {
    bool in_stanza = false;
    std::string out;
    std::size_t start = 0;
    while (start < original.size()) {
        auto end = original.find('\n', start);
        if (end == std::string::npos) end = original.size();
        std::string line = original.substr(start, end - start);
        start = end + 1;
        bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (!indented) in_stanza = line.starts_with("iface " + iface + " ");
        bool names_only_it = line == "auto " + iface || line == "allow-hotplug " + iface;
        if ((in_stanza || names_only_it) && !line.empty())
            out += "# disabled by kiln-firstboot (see interfaces.d/60-kiln-" + iface +
                   "): " + line + "\n";
        else
            out += line + "\n";
    }
    return out;
}

}  // namespace kiln::firstboot
