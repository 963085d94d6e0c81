#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kiln {

// Each item of `items` projected to text by `project` (a function or a member pointer), joined
// by `separator`. What `fmt::join(items | std::views::transform(project), separator)` says, in a
// form clang 14 compiles with libstdc++ 12 (it cannot compile range views; the fuzz build is
// clang's).
template <class Range, class Projection>
std::string join_mapped(const Range& items, std::string_view separator, Projection project) {
    std::string out;
    bool first = true;
    for (const auto& item : items) {
        if (!first) out += separator;
        first = false;
        out += std::invoke(project, item);
    }
    return out;
}

}  // namespace kiln
