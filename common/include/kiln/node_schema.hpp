#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The node-metadata contract: the one definition of every per-node key, used by the builder
// (OVF properties, baked defaults, `kiln metadata`) and by kiln-firstboot (reading them).
namespace kiln::node {

enum class ValueType {
    hostname,
    token,    // [A-Za-z0-9._-]+, e.g. instance id, cluster name
    integer,  // within [min, max]
    ip,
    cidr,
    interface,
    host_list,  // hostnames or IPs
    ip_list,
    ssh_keys,  // one public key per item
    peers,     // name=address items
    choice,    // one of `choices`
    timezone,
    secret,  // non-empty single-line UTF-8 text, at most kMaxSecretBytes; never logged or baked
    keepalived_secret,  // a secret that keepalived's auth_pass holds unquoted (printable ASCII,
                        // no blanks, none of the characters its syntax gives a meaning)
    gossip_key,         // a secret: 32 bytes in base64 (Consul's gossip encryption key)
    uuid_secret,        // a secret in the form of a UUID (a Consul ACL token's SecretID)
    pem_certificate,    // PEM certificate(s): several lines, at most kMaxValueBytes
    pem_private_key,    // a secret: one PEM private key (several lines, at most kMaxValueBytes)
};

struct KeySpec {
    std::string_view name;
    ValueType type;
    std::string_view label;
    std::string_view description;
    long long min = 0;
    long long max = 0;
    std::vector<std::string_view> choices = {};

    bool is_secret() const {
        return type == ValueType::secret || type == ValueType::keepalived_secret ||
               type == ValueType::gossip_key || type == ValueType::uuid_secret ||
               type == ValueType::pem_private_key;
    }
    bool is_pem() const {
        return type == ValueType::pem_certificate || type == ValueType::pem_private_key;
    }
    bool is_list() const;
};

struct Peer {
    std::string name;
    std::string address;
};

std::span<const KeySpec> keys();
const KeySpec* find_key(std::string_view name);
std::optional<std::string_view> closest_key(std::string_view name);

// The text form used by guestinfo and OVF properties: list items separated by commas or
// newlines (SSH keys: newlines only), peers as "name=address".
std::vector<std::string> split_items(const KeySpec& spec, std::string_view text);
std::string join_items(const KeySpec& spec, const std::vector<std::string>& items);

// The one rule of each key, used by `kiln metadata` and kiln-firstboot alike: every value is
// valid UTF-8, and a secret's problem never quotes the secret.
// Checks one value (list types: one item); returns what is wrong, or nullopt.
std::optional<std::string> check_item(const KeySpec& spec, std::string_view item);
// Checks a whole value in its text form, including list-level rules (unique peers).
std::optional<std::string> check_value(const KeySpec& spec, std::string_view text);

std::optional<Peer> parse_peer(std::string_view item);

// Upper bound on any one value's length in bytes: a guard against absurd metadata.
inline constexpr std::size_t kMaxValueBytes = 64 * 1024;
// Upper bound on a secret's length in bytes (what the configurations that hold it are sized for).
inline constexpr std::size_t kMaxSecretBytes = 1024;

// Keys a node cannot be configured without (from any transport or the image's defaults).
std::span<const std::string_view> required_keys();
bool is_required(std::string_view name);
// The keys a node needs besides the required ones when its dcs is consul (all secrets).
std::span<const std::string_view> consul_keys();
// The keys a node needs besides the required ones when its image has TLS on (the cluster CA,
// this node's certificate and its private key, PEM; `kiln metadata` makes them).
std::span<const std::string_view> tls_keys();

// How each transport names a key: guestinfo.kiln.<key>, OVF property kiln.<key>, and the
// QEMU fw_cfg file opt/kiln/<key> (opt/kiln/metadata holds a whole metadata document).
inline constexpr std::string_view kGuestinfoPrefix = "guestinfo.kiln.";
inline constexpr std::string_view kOvfPropertyPrefix = "kiln.";
inline constexpr std::string_view kFwCfgPrefix = "opt/kiln/";
inline constexpr std::string_view kFwCfgDocument = "opt/kiln/metadata";
// The status kiln-firstboot reports back to vSphere ("ok" or "error: ...").
inline constexpr std::string_view kGuestinfoStatus = "guestinfo.kiln.status";
// What a scrubbed guestinfo key holds afterwards (as cloud-init does); read as "absent".
inline constexpr std::string_view kScrubbedValue = "---";

// cloud-init metadata keys (guestinfo.metadata) that stand for node keys.
struct CloudInitAlias {
    std::string_view cloud_init;
    std::string_view key;
};
std::span<const CloudInitAlias> cloud_init_aliases();

}  // namespace kiln::node
