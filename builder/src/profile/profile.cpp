#include "profile/profile.hpp"

namespace kiln::profile {

const std::vector<std::string>& known_vmware_os_types() {
    static const std::vector<std::string> types = {
        "centos7_64Guest",  "centos8_64Guest",     "centos9_64Guest",     "rhel7_64Guest",
        "rhel8_64Guest",    "rhel9_64Guest",       "debian10_64Guest",    "debian11_64Guest",
        "debian12_64Guest", "other4xLinux64Guest", "other5xLinux64Guest", "otherLinux64Guest"};
    return types;
}

}  // namespace kiln::profile
