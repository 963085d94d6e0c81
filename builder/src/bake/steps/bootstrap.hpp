#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// The command that bootstraps `b` into `tree` on the host, at native speed:
// debootstrap for Debian; dnf/yum --installroot for EL (the host needs that tool and the
// repository file written by el_bootstrap_repo_file(); their cache is a folder of the tree,
// where run_bootstrap lends them `package_cache`).
std::vector<std::string> bootstrap_command(const plan::Bootstrap& b,
                                           const std::filesystem::path& tree,
                                           const std::filesystem::path& package_cache,
                                           const std::filesystem::path& repo_dir);
// EL: the repository the installroot tool reads (the bootstrap mirror as baseurl, checked with
// the profile's gpgkey unless it says gpgcheck: false).
std::string el_bootstrap_repo_file(const plan::Bootstrap& b);
// The packages the tool's output says do not exist.
std::vector<std::string> bootstrap_missing_packages(profile::BootstrapTool tool,
                                                    const std::string& output);

// The package cache folder's name: debootstrap and mmdebstrap store .debs under the same
// names (apt's), so both share one per release.
std::string package_cache_name(const plan::Bootstrap& b);

// Runs the bootstrap into ctx.tree; a missing package names its profile line, a package refused
// for its signature its own line or else the gpgkey line, any other failure `where` (the
// base.bootstrap section).
void run_bootstrap(Context& ctx, const plan::Bootstrap& b, const Location& where,
                   const std::filesystem::path& package_cache);

}  // namespace kiln::bake
