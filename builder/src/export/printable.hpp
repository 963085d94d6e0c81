#pragma once

#include <string>
#include <string_view>

namespace kiln::exporter {

// Text taken from an input (a member name, an href, a descriptor value) made safe to print on a
// terminal and to put in JSON: control characters (C0, DEL, C1) and bytes that are not UTF-8
// become \xNN, and the format characters that reorder or hide text (bidirectional controls,
// zero-width characters, line and paragraph separators, the BOM) become \uNNNN. Every other
// UTF-8 character is kept.
std::string printable(std::string_view text);

}  // namespace kiln::exporter
