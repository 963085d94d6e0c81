#include "plan/dcs_packages.hpp"

namespace kiln::plan {

DcsPackages dcs_packages(std::string_view server, profile::PackageManager manager) {
    const bool apt = manager == profile::PackageManager::apt;
    // On Debian each server brings Patroni's client library for it too: patroni depends on any
    // one of them, so a second DCS's library alone would leave Patroni unable to use the first.
    if (server == "etcd")
        return apt ? DcsPackages{{"etcd-server", "etcd-client", "python3-etcd"}}
                   : DcsPackages{{"etcd"}};
    // Debian: zookeeperd brings the server (zookeeper) and its init script; kiln's overlay adds
    // the native unit. EL has no ZooKeeper package in its own archives: a profile that wants it
    // adds a repository that has one.
    if (server == "zookeeper")
        return apt ? DcsPackages{{"zookeeperd", "python3-kazoo"}}
                   : DcsPackages{{"zookeeper"}, false};
    if (server == "consul")  // HashiCorp's repository; the client library is Debian's
        return apt ? DcsPackages{{"consul", "python3-consul"}, false}
                   : DcsPackages{{"consul"}, false};
    return {};
}

}  // namespace kiln::plan
