#pragma once

#include <string>
#include <string_view>

namespace kiln {

// Whether a key read from input looks like a key: letters, digits, '_', '-' and '.', at most
// 64 bytes.
inline bool is_plain_key(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    return true;
}

// How a diagnostic names a key read from input that may hold secrets (node metadata): 'name'
// when it looks like a key, otherwise words that quote nothing. A value typed where a key belongs
// (a flow mapping missing its ':', a password pasted on a line of its own) is never printed.
inline std::string quoted_key(std::string_view name) {
    if (is_plain_key(name)) return "'" + std::string(name) + "'";
    return "(a key that is not a plain name; not shown)";
}

}  // namespace kiln
