#pragma once

#include <string_view>

namespace kiln {

// True for an x86-64 ELF executable that needs no dynamic loader (no PT_INTERP, no PT_DYNAMIC):
// what `file` reports as "statically linked". `image` is the whole file.
bool is_static_x86_64_executable(std::string_view image);

}  // namespace kiln
