#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/source.hpp"

// A cluster inventory: the one file from which `kiln metadata` and `kiln run` derive every
// node's metadata. Secrets are never in it: they come from a separate file or the environment.
namespace kiln::inventory {

struct Node {
    std::string name;
    std::string address;  // CIDR, e.g. 10.77.0.11/24
    int priority = 0;
    std::string instance_id;
    Location where;
};

struct Inventory {
    std::string path;
    std::string cluster;
    std::string dcs = "etcd";
    std::string vip;  // CIDR
    // Cluster-wide node keys (vip_interface, vrrp_router_id, gateway, dns, ntp_servers,
    // zabbix_server, timezone, interface, ssh_authorized_keys), in text form.
    std::map<std::string, std::string> common;
    std::vector<Node> nodes;
};

// Problems name FILE:LINE:COL but never quote a line of the inventory or the secrets file, nor
// a secret's value: any line of either may hold a secret (put inline, under a misspelled key).
std::optional<Inventory> load(const std::string& path, Report& report);

// The cluster's secrets, from a YAML file (`--secrets FILE`, mode 0600 expected) or from the
// environment (KILN_POSTGRES_PASSWORD, KILN_REPLICATION_PASSWORD, KILN_REST_PASSWORD,
// KILN_VRRP_PASSWORD; with dcs consul also KILN_CONSUL_ENCRYPT and KILN_CONSUL_TOKEN), each
// checked by the node schema's rule for its key (the one kiln-firstboot applies). Missing ones
// are errors naming both places to put them; the file's Consul secrets for a cluster of
// another `dcs` are left out, with a warning.
std::map<std::string, std::string> load_secrets(const std::optional<std::string>& file,
                                                const std::string& dcs, Report& report);

// Every node key with its text value for one node (secrets included), in schema order.
std::vector<std::pair<std::string, std::string>> node_metadata(
    const Inventory& inventory, const Node& node,
    const std::map<std::string, std::string>& secrets);

}  // namespace kiln::inventory
