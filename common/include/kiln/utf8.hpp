#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace kiln {

struct Utf8Char {
    char32_t code_point;
    std::size_t length;  // bytes
};

// The UTF-8 character `text` starts with, or nullopt for a stray continuation byte, an overlong
// form, a surrogate, a code point above U+10FFFF or a truncated sequence (or an empty text).
std::optional<Utf8Char> decode_utf8(std::string_view text);

// The offset of the first byte that does not start a valid UTF-8 character, or nullopt when
// the whole text is valid UTF-8.
std::optional<std::size_t> invalid_utf8_offset(std::string_view text);

}  // namespace kiln
