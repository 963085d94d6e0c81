#include "kiln/enum_names.hpp"

#include <fmt/format.h>

namespace kiln {

std::string one_of(const std::vector<std::string>& names) {
    return fmt::format("one of {}", fmt::join(names, ", "));
}

}  // namespace kiln
