#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Runs helper programs (vmware-rpctool, haproxy -c, ssh-keygen) without a shell: argv only,
// stdin from /dev/null, output captured up to a limit, killed after a timeout.
namespace kiln::firstboot {

struct ProcessResult {
    int exit_code = -1;  // -1 when it could not run or was killed
    bool timed_out = false;
    bool started = false;
    std::string out;
    std::string err;
};

struct ProcessOptions {
    std::chrono::milliseconds timeout{10000};
    std::size_t output_limit = 8 << 20;
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Why a run did not succeed, for an error message: "timed out after 10 s", "could not start",
// or "exit 1: <its stderr>".
std::string failure_summary(const ProcessResult& result, const ProcessOptions& options = {});

// The first executable `name` in $PATH (or in `directories` when given).
std::optional<std::filesystem::path> find_program(
    const std::string& name, const std::vector<std::filesystem::path>& directories = {});

}  // namespace kiln::firstboot
