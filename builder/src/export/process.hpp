#pragma once

#include <string>
#include <vector>

namespace kiln::exporter {

struct ProcessResult {
    int status = -1;  // exit status, or 128 + signal
    std::string out;
    std::string err;
};

// Runs argv[0] (looked up in PATH) with no shell, stdin from /dev/null, and collects its output.
// Throws SystemError when it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv);

// The last non-empty line of a tool's stderr, for error messages.
std::string last_line(const std::string& text);

}  // namespace kiln::exporter
