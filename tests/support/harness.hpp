#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

// Runs kiln (the binary of this build tree) and other tools for the integration tests.
namespace kiln_test {

inline std::string kiln_binary() {
    return std::string(KILN_BINARY_DIR) + "/builder/kiln";
}

struct ToolRun {
    int status = -1;
    std::string output;  // stdout and stderr
    double seconds = 0;
};

inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

inline ToolRun run_shell(const std::string& command) {
    ToolRun r;
    auto start = std::chrono::steady_clock::now();
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    std::array<char, 4096> buffer{};
    size_t n;
    while (p && (n = std::fread(buffer.data(), 1, buffer.size(), p)) > 0)
        r.output.append(buffer.data(), n);
    int status = p ? ::pclose(p) : -1;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
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
