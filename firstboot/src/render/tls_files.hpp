#pragma once

#include <filesystem>
#include <string>

// Where a node keeps its TLS files: the cluster CA for everyone, and per service that presents
// the node's certificate (etcd; PostgreSQL and Patroni, both running as postgres) a copy of the
// certificate and of the key that only the service's user reads.
namespace kiln::firstboot::tls_files {

inline const std::filesystem::path kDir = "/etc/kiln/tls";
inline const std::filesystem::path kCa = "/etc/kiln/tls/ca.crt";

struct ServiceFiles {
    std::filesystem::path certificate;
    std::filesystem::path key;
};

// /etc/kiln/tls/SERVICE/node.crt and node.key.
inline ServiceFiles for_service(const std::string& service) {
    return {kDir / service / "node.crt", kDir / service / "node.key"};
}

}  // namespace kiln::firstboot::tls_files
