#pragma once

#include <filesystem>

#include "core/accounts.hpp"
#include "render/rendered.hpp"

namespace kiln::firstboot {

struct CommitOptions {
    std::filesystem::path root = "/";
    bool set_owners =
        true;  // chown to the users named by each file (false for previews as non-root)
};

// The commit stage, in two phases so that a failure leaves nothing half-applied: owners are
// resolved and every file is written and fsynced under a temporary name beside its target
// (secrets 0600 from the start); only when all of them exist are they renamed into place.
// Throws kiln::Error naming the file or user at fault.
void commit_rendering(const Rendering& rendering, const Accounts& accounts,
                      const CommitOptions& options);

}  // namespace kiln::firstboot
