#include "kiln/utf8.hpp"

namespace kiln {

std::optional<Utf8Char> decode_utf8(std::string_view text) {
    if (text.empty()) return std::nullopt;
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    char32_t code_point = 0, smallest = 0;
    if (lead < 0x80) return Utf8Char{lead, 1};
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
    return Utf8Char{code_point, length};
}

std::optional<std::size_t> invalid_utf8_offset(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto decoded = decode_utf8(text.substr(i));
        if (!decoded) return i;
        i += decoded->length;
    }
    return std::nullopt;
}

}  // namespace kiln
