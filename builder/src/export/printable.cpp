#include "export/printable.hpp"

#include <cstdio>
#include <optional>

namespace kiln::exporter {

namespace {

struct Decoded {
    char32_t code_point;
    std::size_t length;
};

// The UTF-8 sequence `text` starts with, or nullopt for a stray continuation byte, an overlong
// form, a surrogate, a code point above U+10FFFF or a truncated sequence.
std::optional<Decoded> decode(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    char32_t code_point = 0, smallest = 0;
    if (lead < 0x80) return Decoded{lead, 1};
    if ((lead & 0xE0) == 0xC0)
        length = 2, code_point = lead & 0x1F, smallest = 0x80;
    else if ((lead & 0xF0) == 0xE0)
        length = 3, code_point = lead & 0x0F, smallest = 0x800;
    else if ((lead & 0xF8) == 0xF0)
        length = 4, code_point = lead & 0x07, smallest = 0x10000;
    else
        return std::nullopt;
    if (text.size() < length) return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return std::nullopt;
        code_point = (code_point << 6) | (byte(i) & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF))
        return std::nullopt;
    return Decoded{code_point, length};
}

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
        auto decoded = decode(text.substr(i));
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
