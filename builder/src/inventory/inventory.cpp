#include "inventory/inventory.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>

#include "kiln/grammar.hpp"
#include "kiln/map_reader.hpp"
#include "kiln/node_reader.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/yaml_tree.hpp"

namespace kiln::inventory {

namespace {

using yaml::MapReader;

// Each secret, the environment variable that may hold it instead of the secrets file, and the
// DCS that needs it (empty: every cluster does).
struct SecretSource {
    std::string key;
    std::string env;
    std::string only_for_dcs;
};
const std::vector<SecretSource> kSecrets = {
    {"postgres_password", "KILN_POSTGRES_PASSWORD", ""},
    {"replication_password", "KILN_REPLICATION_PASSWORD", ""},
    {"rest_password", "KILN_REST_PASSWORD", ""},
    {"vrrp_password", "KILN_VRRP_PASSWORD", ""},
    {"consul_encrypt", "KILN_CONSUL_ENCRYPT", "consul"},
    {"consul_token", "KILN_CONSUL_TOKEN", "consul"}};

const std::vector<std::string> kCommonKeys = {
    "vip_interface", "vrrp_router_id", "interface",          "gateway", "dns", "ntp_servers",
    "zabbix_server", "timezone",       "ssh_authorized_keys"};

std::string address_of(const std::string& cidr) {
    return cidr.substr(0, cidr.find('/'));
}

// IPv4 network membership; IPv6 compares the prefix bytes.
bool same_subnet(const std::string& a_cidr, const std::string& b_cidr) {
    auto prefix = grammar::parse_integer(b_cidr.substr(b_cidr.find('/') + 1)).value_or(0);
    unsigned char a[16] = {}, b[16] = {};
    int family = a_cidr.find(':') == std::string::npos ? AF_INET : AF_INET6;
    if (inet_pton(family, address_of(a_cidr).c_str(), a) != 1 ||
        inet_pton(family, address_of(b_cidr).c_str(), b) != 1)
        return false;
    for (long long bit = 0; bit < prefix; ++bit) {
        int mask = 0x80 >> (bit % 8);
        if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
    }
    return true;
}

// Parses a YAML file without keeping its text, so that no diagnostic can quote its lines.
std::optional<yaml::Node> load_unquoted(const std::string& path, Report& report) {
    SourceFiles not_kept;
    return yaml::load_file(path, path, not_kept, report);
}

class Reader {
public:
    explicit Reader(Report& report) : report_(report) {}

    std::optional<Inventory> run(const std::string& path) {
        auto root = load_unquoted(path, report_);
        if (!root) return std::nullopt;
        Inventory inv;
        inv.path = path;
        MapReader r(*root, "", report_, "the inventory");
        if (!r.valid()) return std::nullopt;
        if (auto v = r.text("version", true); v && v->value != "1")
            report_.error(v->where, "unsupported inventory version '" + v->value +
                                        "' (this kiln reads version 1)");
        inv.cluster = checked(r, "cluster", true).value_or("");
        inv.dcs = checked(r, "dcs", false).value_or("etcd");
        inv.vip = checked(r, "vip", true).value_or("");
        for (const auto& key : kCommonKeys)
            if (auto value = checked(r, key, false)) inv.common[key] = *value;
        refuse_secrets(r);
        if (const auto* nodes = r.require("nodes")) read_nodes(*nodes, inv);
        r.finish();
        check_whole(inv, *root);
        if (report_.has_errors()) return std::nullopt;
        return inv;
    }

private:
    // Secrets are refused wherever they appear, naming only the key.
    void refuse_secrets(MapReader& r) {
        for (const auto& secret : kSecrets)
            if (const auto* n = r.get(secret.key))
                report_.error(n->key_location,
                              "'" + secret.key +
                                  "' is a secret and does not belong in the inventory; "
                                  "use --secrets FILE or the KILN_* environment variables");
    }

    // A node key read as text (lists joined), checked against the schema.
    std::optional<std::string> checked(MapReader& r, const std::string& key, bool required,
                                       const std::string& schema_key = "") {
        const node::KeySpec& spec = *node::find_key(schema_key.empty() ? key : schema_key);
        const yaml::Node* n = required ? r.require(key) : r.get(key);
        if (!n) return std::nullopt;
        auto value = node::read_value(spec, *n, r.path(key), report_);
        if (!value) return std::nullopt;
        return value->value;
    }

    void read_nodes(const yaml::Node& list, Inventory& inv) {
        if (!list.is_sequence() || list.children.empty()) {
            report_.error(list.location, "'nodes' must be a non-empty list of nodes");
            return;
        }
        for (const auto& item : list.children) {
            MapReader r(item, "nodes[]", report_);
            if (!r.valid()) continue;
            Node n;
            n.where = item.location;
            n.name = checked(r, "name", true, "hostname").value_or("");
            n.address = checked(r, "address", true).value_or("");
            if (auto p = checked(r, "priority", true)) n.priority = std::stoi(*p);
            n.instance_id = checked(r, "instance_id", false).value_or(inv.cluster + "-" + n.name);
            refuse_secrets(r);
            inv.nodes.push_back(std::move(n));
        }
    }

    const yaml::Node* node_item(const yaml::Node& root, std::size_t i, std::string_view key) {
        const yaml::Node* nodes = root.find("nodes");
        const yaml::Node* field = nodes ? nodes->children[i].find(key) : nullptr;
        return field;
    }

    void check_whole(const Inventory& inv, const yaml::Node& root) {
        if (inv.nodes.empty()) return;
        std::map<std::string, std::size_t> names, addresses;
        std::map<int, std::size_t> priorities;
        for (std::size_t i = 0; i < inv.nodes.size(); ++i) {
            const Node& n = inv.nodes[i];
            auto duplicate = [&](auto& seen, const auto& value, std::string_view key,
                                 const std::string& shown) {
                auto [it, inserted] = seen.emplace(value, i);
                if (!inserted && node_item(root, i, key))
                    report_.error(node_item(root, i, key)->location,
                                  "node " + std::string(key) + " '" + shown +
                                      "' is already used by node '" + inv.nodes[it->second].name +
                                      "'");
            };
            if (!n.name.empty()) duplicate(names, n.name, "name", n.name);
            if (!n.address.empty())
                duplicate(addresses, address_of(n.address), "address", address_of(n.address));
            if (n.priority)
                duplicate(priorities, n.priority, "priority", std::to_string(n.priority));
        }
        const yaml::Node* vip = root.find("vip");
        if (!inv.vip.empty() && vip) {
            for (const auto& n : inv.nodes) {
                if (n.address.empty()) continue;
                if (address_of(n.address) == address_of(inv.vip))
                    report_.error(vip->location, "the VIP " + address_of(inv.vip) + " is node '" +
                                                     n.name +
                                                     "''s own address; it must be a free address");
                else if (!same_subnet(inv.vip, n.address))
                    report_.error(vip->location, "the VIP " + inv.vip + " is not in node '" +
                                                     n.name + "''s subnet " + n.address);
            }
        }
        if (inv.nodes.size() % 2 == 0)
            report_.warning(
                root.find("nodes")->location,
                std::to_string(inv.nodes.size()) +
                    " members: an even count tolerates no more failures than one member fewer; "
                    "use an odd number");
    }

    Report& report_;
};

// A key of the secrets file that is not a secret is named only when it is a node key: anything
// else may be a secret itself (a flow mapping `{postgres_password:s3cret}` has that key).
void report_unknown_secret_key(const yaml::Node& entry, Report& report) {
    if (const auto* spec = node::find_key(entry.key); spec && spec->is_pem()) {
        report.warning(entry.key_location,
                       "'" + entry.key +
                           "' does not belong in the secrets file: kiln "
                           "makes it from the cluster's PKI folder (--pki-dir)");
        return;
    }
    if (node::find_key(entry.key)) {
        report.warning(
            entry.key_location,
            "'" + entry.key + "' is not a secret and does not belong in the secrets file");
        return;
    }
    std::string message = "unknown key in the secrets file, not shown as it may be a secret";
    if (auto hint = node::closest_key(entry.key); hint && node::find_key(*hint)->is_secret())
        message += " (did you mean '" + std::string(*hint) + "'?)";
    report.warning(entry.key_location, message);
}

// The valid secrets of the file into `secrets`; `given` gets every secret the file names, valid
// or not (an invalid one is reported here, not again as missing). False when the file itself
// could not be read as a mapping: its secrets are then unknown rather than missing.
bool read_secrets_file(const std::string& file, std::map<std::string, std::string>& secrets,
                       std::set<std::string>& given, Report& report) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 0077))
        report.warning(Location{file}, "secrets file is readable by other users; chmod 600 it");
    auto root = load_unquoted(file, report);
    if (!root) return false;
    if (!root->is_mapping()) {
        report.error(root->location,
                     "the secrets file must be a mapping of secret names to values, "
                     "found " +
                         std::string(yaml::kind_name(*root)));
        return false;
    }
    for (const auto& entry : root->children) {
        const node::KeySpec* spec = node::find_key(entry.key);
        // The TLS key is made from the PKI folder, never given.
        if (!spec || !spec->is_secret() || spec->is_pem()) {
            report_unknown_secret_key(entry, report);
            continue;
        }
        given.insert(entry.key);
        auto value = yaml::as_text(entry, entry.key, report);
        if (!value) continue;
        if (auto problem = node::check_value(*spec, value->value))
            report.error(value->where, "'" + entry.key + "': " + *problem);
        else
            secrets[entry.key] = value->value;
    }
    return true;
}

}  // namespace

std::optional<Inventory> load(const std::string& path, Report& report) {
    return Reader(report).run(path);
}

std::map<std::string, std::string> load_secrets(const std::optional<std::string>& file,
                                                const std::string& dcs, Report& report) {
    std::map<std::string, std::string> secrets;
    std::set<std::string> given;
    if (file && !read_secrets_file(*file, secrets, given, report)) return secrets;
    for (const auto& [key, env, only_for_dcs] : kSecrets) {
        if (!only_for_dcs.empty() && only_for_dcs != dcs) {
            if (secrets.erase(key))
                report.warning(Location{*file}, "'" + key + "' is not used: the cluster's dcs is " +
                                                    dcs + ", not " + only_for_dcs);
            continue;
        }
        if (given.contains(key)) continue;
        if (const char* value = std::getenv(env.c_str()); value && *value) {
            if (auto problem = node::check_value(*node::find_key(key), value))
                report.error(Location{"environment " + env}, *problem);
            else
                secrets[key] = value;
        } else {
            report.error(Location{file ? *file : "secrets"},
                         "no '" + key + "': put it in the --secrets file or set " + env);
        }
    }
    return secrets;
}

std::vector<std::pair<std::string, std::string>> node_metadata(
    const Inventory& inv, const Node& node, const std::map<std::string, std::string>& secrets) {
    std::map<std::string, std::string> values = inv.common;
    values["hostname"] = node.name;
    values["instance_id"] = node.instance_id;
    values["priority"] = std::to_string(node.priority);
    values["address"] = node.address;
    values["cluster"] = inv.cluster;
    values["dcs"] = inv.dcs;
    values["vip"] = inv.vip;
    std::vector<std::string> peers;
    for (const auto& n : inv.nodes) peers.push_back(n.name + "=" + address_of(n.address));
    values["peers"] = node::join_items(*node::find_key("peers"), peers);
    for (const auto& [key, value] : secrets) values[key] = value;
    std::vector<std::pair<std::string, std::string>> ordered;
    for (const auto& spec : node::keys())
        if (auto it = values.find(std::string(spec.name)); it != values.end())
            ordered.emplace_back(*it);
    return ordered;
}

}  // namespace kiln::inventory
