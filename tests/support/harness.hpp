#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "command.hpp"

// What the integration and e2e tests share: the kiln of this build tree, scratch folders, the
// build tests' cache. Programs are run with command.hpp.
namespace kiln_test {

inline std::string kiln_binary() {
    return std::string(KILN_BINARY_DIR) + "/builder/kiln";
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A scratch folder under /var/tmp for one test program, removed at the end.
struct Scratch {
    std::filesystem::path path;
    explicit Scratch(const std::string& name) {
        path = std::filesystem::path("/var/tmp") /
               ("kiln-test-" + name + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~Scratch() {
        if (!std::getenv("KILN_TEST_KEEP")) std::filesystem::remove_all(path);
    }
};

// The shared cache for the build tests: $KILN_TEST_CACHE, else a folder of this run.
inline std::filesystem::path test_cache(const std::filesystem::path& fallback) {
    if (const char* c = std::getenv("KILN_TEST_CACHE"); c && *c) return c;
    return fallback;
}

}  // namespace kiln_test
