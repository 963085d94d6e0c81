#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

// UTF-8 as kiln reads it from untrusted text: strict decoding and the character classes that
// must not reach a terminal or a generated file unnoticed.
namespace kiln::utf8 {

struct Char {
    char32_t code_point;
    std::size_t length;  // bytes
};

// The UTF-8 sequence `text` starts with (it must not be empty), or nullopt for a stray
// continuation byte, an overlong form, a surrogate, a code point above U+10FFFF or a truncated
// sequence.
std::optional<Char> decode(std::string_view text);

// The offset of the first byte that does not start a valid sequence, or nullopt.
std::optional<std::size_t> first_invalid(std::string_view text);

// C0, DEL and C1 control characters.
bool is_control(char32_t c);

// Unicode format characters that change how the text around them shows, or hide themselves:
// bidirectional controls, zero-width characters, line and paragraph separators, the BOM.
bool is_hiding_format(char32_t c);

}  // namespace kiln::utf8
