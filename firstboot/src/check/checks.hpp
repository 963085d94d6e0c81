#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "render/rendered.hpp"

namespace kiln::firstboot {

struct CheckOptions {
    std::filesystem::path root = "/";
    // A preview (--render-only into another root): the interfaces and scripts named in the
    // configs belong to the target, not this machine, so keepalived is checked on a copy that
    // names this machine's first interface and a stand-in script.
    bool preview = false;
    std::vector<std::string> secrets;  // hidden from any tool output that is reported
};

struct CheckOutcome {
    std::string tool;
    std::filesystem::path file;
    bool ran = false;  // false: the tool is not installed here
    bool ok = false;
    std::string note;
};

// The check stage: every rendered file that has a checker is written to a private staging
// directory and handed to the real tool (haproxy -c, keepalived -t, patroni --validate-config).
// Failures go to `report`, naming the file and quoting the tool's output.
std::vector<CheckOutcome> run_checks(const Rendering& rendering, const CheckOptions& options,
                                     Report& report);

}  // namespace kiln::firstboot
