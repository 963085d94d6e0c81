#include "kiln/error.hpp"

#include <cstring>

namespace kiln {

SystemError::SystemError(const std::string& what, int errno_value)
    : Error(what + ": " + std::strerror(errno_value)) {}

}  // namespace kiln
