#pragma once

// The caller's file and line for test helpers. clang 14 (the fuzz and sanitizer build) has no
// __builtin_source_location, so libstdc++ 12 offers it std::experimental::source_location only.
#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
namespace kiln_test {
using SourceLocation = std::source_location;
}
#else
#include <experimental/source_location>
namespace kiln_test {
using SourceLocation = std::experimental::source_location;
}
#endif
