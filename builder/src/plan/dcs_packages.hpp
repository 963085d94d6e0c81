#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace kiln::plan {

// The packages that put a DCS server (profile `firstboot.dcs_servers`) into an image.
struct DcsPackages {
    std::vector<std::string> names;
    // From the distribution's own archive: a bootstrap installs them natively. Otherwise they
    // need a repository the profile adds (Consul: HashiCorp's), so they install after it.
    bool from_distribution = true;
};
DcsPackages dcs_packages(std::string_view server, profile::PackageManager manager);

}  // namespace kiln::plan
