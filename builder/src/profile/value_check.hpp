#pragma once

#include <string>

#include "kiln/diagnostics.hpp"
#include "kiln/source.hpp"

namespace kiln::profile {

// Reports "'path': problem" at the value when `check_fn` finds one; true when it finds none.
template <class Check>
bool check_value(Report& report, const Text& text, Check&& check_fn, const std::string& path) {
    if (auto problem = check_fn(text.value)) {
        report.error(text.where, "'" + path + "': " + *problem);
        return false;
    }
    return true;
}

}  // namespace kiln::profile
