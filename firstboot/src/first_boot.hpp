#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "kiln/error.hpp"
#include "report/log.hpp"

namespace kiln::firstboot {

struct RunOptions {
    std::filesystem::path root = "/";
    std::optional<std::filesystem::path> metadata_file;
    std::optional<std::filesystem::path> ovf_env_file;
    bool render_only = false;  // render into root, check, stop: no identity, units, stamp
    bool reconfigure = false;  // apply changed metadata on an already configured node
    bool check = true;         // run haproxy -c / keepalived -t / patroni --validate-config
    std::optional<std::string> bus_address;  // default: the system bus
    std::chrono::seconds unit_timeout{300};  // each unit but the DCS member, which waits for
                                             // its quorum however long that takes
};

// collect → validate → render → check → storage → membership → commit → identity → start →
// stamp, reporting as it goes; a configured node's later boots run storage and membership only.
// Returns the exit code; every failure is logged, written to /run/kiln/status.json and sent
// to guestinfo.kiln.status before returning.
ExitCode run_first_boot(const RunOptions& options, Log& log);

}  // namespace kiln::firstboot
