#include "plan/dcs_packages.hpp"

namespace kiln::plan {

DcsPackages dcs_packages(std::string_view server, profile::PackageManager manager) {
    const bool apt = manager == profile::PackageManager::apt;
    if (server == "etcd")
        return apt ? DcsPackages{{"etcd-server", "etcd-client"}} : DcsPackages{{"etcd"}};
    // Debian: zookeeperd brings the server (zookeeper) and its init script; kiln's overlay adds
    // the native unit. EL has no ZooKeeper package in its own archives: a profile that wants it
    // adds a repository that has one.
    if (server == "zookeeper")
        return apt ? DcsPackages{{"zookeeperd"}} : DcsPackages{{"zookeeper"}, false};
    if (server == "consul") return DcsPackages{{"consul"}, false};  // HashiCorp's repository
    return {};
}

}  // namespace kiln::plan
