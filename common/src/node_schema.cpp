#include "kiln/node_schema.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "kiln/enum_names.hpp"
#include "kiln/grammar.hpp"

namespace kiln::node {

namespace {

using enum ValueType;

const std::vector<KeySpec> kKeys = {
    {"hostname", hostname, "Hostname", "Host name of this node (RFC 1123)."},
    {"instance_id", token, "Instance ID",
     "Identifies this clone; a new value makes first boot run again."},
    {"priority", integer, "Keepalived priority",
     "VRRP priority of this node, 1-254; the highest holds the virtual IP.", 1, 254},
    {"ssh_authorized_keys", ssh_keys, "SSH authorized keys",
     "Public keys for the admin user, one per line."},
    {"peers", peers, "Cluster peers",
     "Every cluster member as name=address, comma-separated, this node included."},
    {"cluster", token, "Cluster name", "Patroni scope and etcd cluster token."},
    {"vip", cidr, "Virtual IP", "Address/prefix held by keepalived on the leader's side."},
    {"vip_interface", interface, "VIP interface", "Network interface that carries the virtual IP."},
    {"vrrp_router_id", integer, "VRRP router id", "virtual_router_id shared by the cluster, 1-255.",
     1, 255},
    {"interface", interface, "Network interface", "Interface configured with the static address."},
    {"address", cidr, "Static address", "Address/prefix of this node; empty means DHCP."},
    {"gateway", ip, "Gateway", "Default gateway for the static address."},
    {"dns", ip_list, "DNS servers", "Name servers, comma-separated."},
    {"dcs",
     choice,
     "DCS",
     "Distributed configuration store used by Patroni.",
     0,
     0,
     {"etcd", "consul", "zookeeper"}},
    {"timezone", ValueType::timezone, "Time zone", "Time zone such as Europe/Berlin."},
    {"ntp_servers", host_list, "NTP servers", "Time servers, comma-separated."},
    {"zabbix_server", host_list, "Zabbix server", "Zabbix server(s) allowed to poll the agent."},
    {"postgres_password", secret, "PostgreSQL superuser password",
     "Password of the postgres role."},
    {"replication_password", secret, "Replication password", "Password of the replication role."},
    {"rest_password", secret, "Patroni REST password",
     "Password guarding Patroni's unsafe REST endpoints."},
    {"vrrp_password", keepalived_secret, "VRRP password", "keepalived authentication password."},
    {"consul_encrypt", gossip_key, "Consul gossip key",
     "With dcs consul: the cluster's gossip encryption key, 32 random bytes in base64 (consul "
     "keygen)."},
    {"consul_token", uuid_secret, "Consul ACL token",
     "With dcs consul: the cluster's initial management token (a UUID), which Patroni and the "
     "agents use."},
    {"tls_ca", pem_certificate, "Cluster CA certificate",
     "PEM certificate of the cluster's certificate authority (kiln metadata makes it)."},
    {"tls_cert", pem_certificate, "Node certificate",
     "PEM certificate of this node, signed by the cluster CA, naming its hostname and addresses."},
    {"tls_key", pem_private_key, "Node private key", "PEM private key of this node's certificate."},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// keepalived's config syntax has no quoting for auth_pass.
bool keepalived_word_character(char c) {
    return c > ' ' && c <= '~' && std::string_view("\"'#!{}\\").find(c) == std::string_view::npos;
}

constexpr int kGossipKeyBytes = 32;

// How many bytes a padded base64 text decodes to; -1 when it is not base64.
int decoded_base64_bytes(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0 || text.size() > kMaxSecretBytes) return -1;
    // EVP_DecodeBlock skips blanks around the text; a key has none.
    if (!std::all_of(text.begin(), text.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
        }))
        return -1;
    std::vector<unsigned char> out(text.size() / 4 * 3);
    int length = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                 static_cast<int>(text.size()));
    if (length < 0) return -1;
    // EVP_DecodeBlock counts the bytes the padding stands for.
    std::size_t padding = text.size() - text.find_last_not_of('=') - 1;
    if (padding > 2 || text.find('=') < text.size() - padding) return -1;
    return length - static_cast<int>(padding);
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (text[i] == '-')) return false;
        if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
}

// What is wrong with a secret, said without quoting any of it.
std::optional<std::string> check_secret(const KeySpec& spec, std::string_view item) {
    if (item.empty()) return "a secret cannot be empty";
    if (item.size() > kMaxSecretBytes)
        return "longer than " + std::to_string(kMaxSecretBytes) + " bytes, the limit for a secret";
    if (grammar::utf8(item)) return "is not valid UTF-8";
    if (grammar::single_line(item))
        return "contains a control character (line break, tab or similar)";
    if (spec.type == gossip_key && decoded_base64_bytes(item) != kGossipKeyBytes)
        return "is not " + std::to_string(kGossipKeyBytes) +
               " bytes in base64 (make one with 'consul keygen')";
    if (spec.type == uuid_secret && !is_uuid(item))
        return "is not a UUID (8-4-4-4-12 hexadecimal digits; make one with 'uuidgen')";
    if (spec.type == keepalived_secret &&
        !std::all_of(item.begin(), item.end(), keepalived_word_character))
        return "may contain only printable ASCII characters other than blanks and \" ' # ! { } \\ "
               "(keepalived's auth_pass cannot quote them)";
    return std::nullopt;
}

// A PEM value spans lines: printable ASCII and line breaks, starting with a BEGIN line.
// Whether it parses is kiln-firstboot's check (and kiln metadata's, which makes them).
std::optional<std::string> check_pem(const KeySpec& spec, std::string_view text) {
    if (text.size() > kMaxValueBytes)
        return "longer than " + std::to_string(kMaxValueBytes) + " bytes, the limit for a value";
    if (grammar::utf8(text)) return "is not valid UTF-8";
    if (!text.starts_with("-----BEGIN "))
        return "is not PEM (it must start with a '-----BEGIN ' line)";
    if (!std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= ' ' && c <= '~') || c == '\n' || c == '\r'; }))
        return "contains a character other than printable ASCII and line breaks";
    if (spec.type == pem_private_key && text.find("PRIVATE KEY-----") == std::string_view::npos)
        return "is not a PEM private key";
    if (spec.type == pem_certificate && text.find("CERTIFICATE-----") == std::string_view::npos)
        return "is not a PEM certificate";
    return std::nullopt;
}

}  // namespace

bool KeySpec::is_list() const {
    return type == host_list || type == ip_list || type == ssh_keys || type == peers;
}

std::span<const KeySpec> keys() {
    return kKeys;
}

const KeySpec* find_key(std::string_view name) {
    for (const auto& spec : kKeys)
        if (spec.name == name) return &spec;
    return nullptr;
}

std::optional<std::string_view> closest_key(std::string_view name) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 3;
    for (const auto& spec : kKeys) {
        std::size_t d = grammar::edit_distance(name, spec.name);
        if (d < best_distance) best_distance = d, best = spec.name;
    }
    return best;
}

std::vector<std::string> split_items(const KeySpec& spec, std::string_view text) {
    std::vector<std::string> items;
    if (!spec.is_list()) {
        items.emplace_back(text);
        return items;
    }
    std::string_view separators = spec.type == ssh_keys ? "\n" : ",\n";
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find_first_of(separators, start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view item = trim(text.substr(start, end - start));
        if (!item.empty()) items.emplace_back(item);
        start = end + 1;
    }
    return items;
}

std::string join_items(const KeySpec& spec, const std::vector<std::string>& items) {
    return fmt::to_string(fmt::join(items, spec.type == ssh_keys ? "\n" : ","));
}

std::optional<Peer> parse_peer(std::string_view item) {
    auto equals = item.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    Peer peer{std::string(trim(item.substr(0, equals))),
              std::string(trim(item.substr(equals + 1)))};
    if (grammar::hostname(peer.name) || grammar::ip_address(peer.address)) return std::nullopt;
    return peer;
}

std::optional<std::string> check_item(const KeySpec& spec, std::string_view item) {
    if (spec.is_pem()) return check_pem(spec, item);
    if (spec.is_secret()) return check_secret(spec, item);
    if (item.size() > kMaxValueBytes)
        return "value is longer than " + std::to_string(kMaxValueBytes) + " bytes";
    if (auto problem = grammar::utf8(item)) return "value " + *problem;
    if (auto problem = grammar::single_line(item)) return problem;
    switch (spec.type) {
        case hostname:
            return grammar::hostname(item);
        case token:
            if (item.empty() || item.size() > 128 ||
                !std::all_of(item.begin(), item.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                           c == '-';
                }))
                return "'" + std::string(item) +
                       "' may contain only letters, digits, '.', '_' and '-' (1-128)";
            return std::nullopt;
        case integer: {
            auto number = grammar::parse_integer(item);
            if (!number || *number < spec.min || *number > spec.max)
                return "'" + std::string(item) + "' is not an integer from " +
                       std::to_string(spec.min) + " to " + std::to_string(spec.max);
            return std::nullopt;
        }
        case ip:
        case ip_list:
            return grammar::ip_address(item);
        case cidr:
            return grammar::cidr(item);
        case interface:
            return grammar::interface_name(item);
        case host_list:
            return grammar::host(item);
        case ssh_keys:
            return grammar::ssh_public_key(item);
        case peers:
            if (!parse_peer(item))
                return "peer '" + std::string(item) +
                       "' is not of the form name=address (a hostname and an IP address)";
            return std::nullopt;
        case choice:
            if (std::find(spec.choices.begin(), spec.choices.end(), item) == spec.choices.end())
                return "'" + std::string(item) + "' is not " +
                       one_of({spec.choices.begin(), spec.choices.end()});
            return std::nullopt;
        case ValueType::timezone:
            return grammar::time_zone(item);
        case secret:
        case keepalived_secret:
        case gossip_key:
        case uuid_secret:
            return check_secret(spec, item);
        case pem_certificate:
        case pem_private_key:
            return check_pem(spec, item);
    }
    return std::nullopt;
}

std::span<const std::string_view> required_keys() {
    static constexpr std::string_view kRequired[] = {"hostname",
                                                     "priority",
                                                     "peers",
                                                     "cluster",
                                                     "vip",
                                                     "dcs",
                                                     "postgres_password",
                                                     "replication_password",
                                                     "rest_password",
                                                     "vrrp_password"};
    return kRequired;
}

std::span<const std::string_view> consul_keys() {
    static constexpr std::string_view kConsul[] = {"consul_encrypt", "consul_token"};
    return kConsul;
}

std::span<const std::string_view> tls_keys() {
    static constexpr std::string_view kTls[] = {"tls_ca", "tls_cert", "tls_key"};
    return kTls;
}

bool is_required(std::string_view name) {
    auto list = required_keys();
    return std::find(list.begin(), list.end(), name) != list.end();
}

std::span<const CloudInitAlias> cloud_init_aliases() {
    static constexpr CloudInitAlias kAliases[] = {
        {"instance-id", "instance_id"},
        {"local-hostname", "hostname"},
        {"hostname", "hostname"},
        {"public-keys", "ssh_authorized_keys"},
        {"public_keys", "ssh_authorized_keys"},
    };
    return kAliases;
}

std::optional<std::string> check_value(const KeySpec& spec, std::string_view text) {
    if (text.size() > kMaxValueBytes)
        return "value is longer than " + std::to_string(kMaxValueBytes) + " bytes";
    auto items = split_items(spec, text);
    if (spec.is_list() && items.empty()) return "the list is empty";
    for (const auto& item : items)
        if (auto problem = check_item(spec, item)) return problem;
    if (spec.type == peers) {
        std::set<std::string> names, addresses;
        for (const auto& item : items) {
            auto peer = parse_peer(item);
            if (!names.insert(peer->name).second)
                return "peer name '" + peer->name + "' appears twice";
            if (!addresses.insert(peer->address).second)
                return "peer address '" + peer->address + "' appears twice";
        }
    }
    return std::nullopt;
}

}  // namespace kiln::node
