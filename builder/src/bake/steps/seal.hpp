#pragma once

#include "bake/context.hpp"

namespace kiln::bake {

// seal-etcd-data: no member identity in the template (the data folder is emptied, kept).
void seal_etcd_data(Context& ctx);
// seal-postgresql-clusters: the cluster a package created at install is dropped (Debian:
// /etc/postgresql/V/NAME and its data; EL: an initialised data folder is emptied).
void seal_postgresql_clusters(Context& ctx);

}  // namespace kiln::bake
