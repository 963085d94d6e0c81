#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace kiln {

// Text taken from an input (a profile value, a file name, a member name, a command-line
// argument) made safe to print on a terminal and to put in JSON: control characters (C0, DEL,
// C1) and bytes that are not UTF-8 become \xNN, and the format characters that reorder or hide
// text (bidirectional controls, zero-width characters, line and paragraph separators, the BOM)
// become \uNNNN. Every other UTF-8 character is kept, and so are the ASCII characters in `keep`
// (a tab in a quoted source line, the line breaks of a multi-line message).
std::string printable(std::string_view text, std::string_view keep = {});

// A copy of a JSON document with every string (keys too) made printable.
nlohmann::json printable_json(const nlohmann::json& document);

}  // namespace kiln
