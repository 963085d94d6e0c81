#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kiln/image_config.hpp"
#include "kiln/node_schema.hpp"

namespace kiln::firstboot {

// The validated, typed configuration of this node: only ever built from metadata that passed
// every check, so renderers can trust each field's grammar.
struct NodeConfig {
    std::string hostname;    // as given (may be a FQDN)
    std::string short_name;  // first label: Patroni/etcd member name, peer name
    std::string instance_id;
    int priority = 0;
    std::vector<std::string> ssh_keys;
    std::vector<node::Peer> peers;  // in the given order
    node::Peer self;
    std::string cluster;
    std::string vip;  // CIDR
    std::string vip_address;
    int vip_prefix = 0;
    std::string vip_interface;
    int vrrp_router_id = 51;
    std::optional<std::string> interface;  // static network, when `address` is given
    std::optional<std::string> address;    // CIDR
    std::optional<std::string> gateway;
    std::vector<std::string> dns;
    std::string dcs;
    std::optional<std::string> timezone;
    std::vector<std::string> ntp_servers;
    std::vector<std::string> zabbix_servers;
    std::string postgres_password;
    std::string replication_password;
    std::string rest_password;
    std::string vrrp_password;  // as keepalived uses it (at most 8 characters)
    // With dcs consul (required then, empty otherwise): the gossip key and the ACL token.
    std::string consul_encrypt;
    std::string consul_token;
    // TLS between the nodes (the image's `tls`); then the cluster CA, this node's certificate
    // and its key (PEM), checked against each other, this node's names and the clock.
    bool tls = false;
    std::string tls_ca;
    std::string tls_cert;
    std::string tls_key;
    std::string metadata_digest;
    image::ImageConfig image;

    // Every secret's value, for scrubbing logs and messages.
    std::vector<std::string> secrets() const;
};

}  // namespace kiln::firstboot
