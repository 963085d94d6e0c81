#include "export/printable.hpp"

#include <cstdio>

#include "kiln/utf8.hpp"

namespace kiln::exporter {

namespace {

bool is_control(char32_t c) {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
}

// Unicode format characters that change how the text around them shows, or hide themselves.
bool is_hiding_format(char32_t c) {
    return c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF;
}

std::string escape(const char* format, unsigned value) {
    char text[16];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto decoded = decode_utf8(text.substr(i));
        if (!decoded) {
            out += escape("\\x%02x", static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        const char32_t c = decoded->code_point;
        if (c < 0x80 && is_control(c))
            out += escape("\\x%02x", static_cast<unsigned>(c));
        else if (is_control(c) || is_hiding_format(c))
            out += escape("\\u%04x", static_cast<unsigned>(c));
        else
            out.append(text.substr(i, decoded->length));
        i += decoded->length;
    }
    return out;
}

}  // namespace kiln::exporter
