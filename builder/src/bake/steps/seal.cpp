#include "bake/steps/seal.hpp"

namespace kiln::bake {

void seal_etcd_data(Context& ctx) {
    Root& root = *ctx.root;
    std::size_t removed = 0;
    for (const char* dir : {"/var/lib/etcd"}) {
        removed += root.list(dir).size();
        root.empty_directory(dir);
    }
    ctx.note = std::to_string(removed) + " entries removed";
}

void seal_postgresql_clusters(Context& ctx) {
    Root& root = *ctx.root;
    std::size_t dropped = 0;
    for (const auto& version : root.list("/etc/postgresql")) {
        std::string conf = "/etc/postgresql/" + version;
        if (!root.is_directory(conf)) continue;
        for (const auto& cluster : root.list(conf)) {
            root.remove(conf + "/" + cluster);
            root.remove("/var/lib/postgresql/" + version + "/" + cluster);
            ++dropped;
        }
    }
    root.remove_matching("/var/log/postgresql", "postgresql-*.log");
    for (const auto& name : root.list("/var/lib/pgsql")) {
        std::string data = "/var/lib/pgsql/" + name + "/data";
        if (root.is_directory(data) && !root.list(data).empty()) {
            root.empty_directory(data);
            ++dropped;
        }
    }
    ctx.note = std::to_string(dropped) + " clusters dropped";
}

}  // namespace kiln::bake
