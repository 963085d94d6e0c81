#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "inventory/inventory.hpp"
#include "pki/authority.hpp"

// The cluster PKI as node metadata: what `kiln metadata` and `kiln run` add to each node's
// secrets.
namespace kiln::pki {

// Where a command keeps the cluster's CA when no --pki-dir names a folder: `beside`/CLUSTER.pki
// (`beside` is the secrets file's folder for kiln metadata, the state folder for kiln run).
std::filesystem::path default_pki_dir(const std::filesystem::path& beside,
                                      const std::string& cluster);

// tls_ca, tls_cert (naming the node's hostname, its address and the cluster's VIP, where
// haproxy and PostgreSQL answer too) and tls_key for one node, added to `secrets`.
void add_node_tls(const Authority& authority, const inventory::Inventory& inventory,
                  const inventory::Node& node, std::map<std::string, std::string>& secrets);

}  // namespace kiln::pki
