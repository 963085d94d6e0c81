#pragma once

#include <filesystem>
#include <vector>

#include "bake/build_options.hpp"
#include "bake/progress.hpp"
#include "plan/operation.hpp"
#include "profile/profile.hpp"

namespace kiln::bake {

struct BuildResult {
    std::vector<std::filesystem::path> outputs;  // written, manifest last
    double seconds = 0;
    bool cache_hit = false;
};

// Executes `plan` (made from `profile` by plan::make_plan) operation by operation, each action
// by its executor (bake/executor.hpp), in phases that provide what the operations act on. A
// bootstrap base is built as a tree on the host (native speed) and made into a disk there; the
// appliance is launched at most once, when the disk stage needs the disk mounted (GRUB for EL,
// the SELinux relabel). An image base is changed in one appliance launch. Outputs appear in
// options.output_dir only when all of them are complete.
BuildResult run_build(const profile::Profile& profile, const plan::Plan& plan,
                      const BuildOptions& options, Progress& progress);

}  // namespace kiln::bake
