#include "validate/validate.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "kiln/grammar.hpp"
#include "validate/tls.hpp"

namespace kiln::firstboot {

std::vector<std::string> NodeConfig::secrets() const {
    std::vector<std::string> all = {postgres_password, replication_password, rest_password,
                                    vrrp_password};
    for (const auto* optional : {&consul_encrypt, &consul_token, &tls_key})
        if (!optional->empty()) all.push_back(*optional);
    return all;
}

namespace {

constexpr std::size_t kKeepalivedPasswordMax = 8;

std::string ip_of(const std::string& cidr) {
    return cidr.substr(0, cidr.find('/'));
}

bool same_ip(const std::string& a, const std::string& b) {
    unsigned char x[16]{}, y[16]{};
    int family = a.find(':') == std::string::npos ? AF_INET : AF_INET6;
    if (inet_pton(family, a.c_str(), x) != 1 || inet_pton(family, b.c_str(), y) != 1) return a == b;
    return std::equal(x, x + 16, y);
}

class Validator {
public:
    Validator(Collection& c, const RootDir& root) : c_(c), root_(root), report_(c.report) {}

    std::optional<NodeConfig> run() {
        // A transport that could not be read (bad encoding, syntax) already failed the run;
        // listing every key it would have held as "missing" would only bury that error.
        bool unreadable = report_.has_errors();
        check_every_value();
        if (!unreadable)
            for (auto key : node::required_keys())
                if (!c_.metadata.get(key)) missing(key);
        if (!unreadable && !c_.metadata.get("vip_interface")) missing("vip_interface");
        // Unless the image lacks Consul: dcs_choice says so, which is the point to make.
        const Value* dcs = c_.metadata.get("dcs");
        const auto carried = image::carried_dcs_servers(c_.image);
        if (!unreadable && dcs && dcs->text == "consul" &&
            std::find(carried.begin(), carried.end(), "consul") != carried.end())
            for (auto key : node::consul_keys())
                if (!c_.metadata.get(key)) missing(key);
        if (!unreadable && c_.image.tls)
            for (auto key : node::tls_keys())
                if (!c_.metadata.get(key)) missing(key);
        if (report_.has_errors()) return std::nullopt;

        NodeConfig n;
        n.image = c_.image;
        n.metadata_digest = c_.metadata.digest();
        n.hostname = text("hostname");
        n.short_name = n.hostname.substr(0, n.hostname.find('.'));
        n.priority = static_cast<int>(*grammar::parse_integer(text("priority")));
        n.cluster = text("cluster");
        n.dcs = text("dcs");
        n.vip = text("vip");
        n.vip_address = ip_of(n.vip);
        n.vip_prefix = static_cast<int>(*grammar::parse_integer(n.vip.substr(n.vip.find('/') + 1)));
        n.vip_interface = text("vip_interface");
        if (const auto* v = get("vrrp_router_id"))
            n.vrrp_router_id = static_cast<int>(*grammar::parse_integer(v->text));
        n.ssh_keys = items("ssh_authorized_keys");
        n.ntp_servers = items("ntp_servers");
        n.zabbix_servers = items("zabbix_server");
        n.dns = items("dns");
        if (const auto* v = get("timezone")) n.timezone = v->text;
        n.postgres_password = text("postgres_password");
        n.replication_password = text("replication_password");
        n.rest_password = text("rest_password");
        n.vrrp_password = text("vrrp_password");
        if (n.dcs == "consul") {
            if (const auto* v = get("consul_encrypt")) n.consul_encrypt = v->text;
            if (const auto* v = get("consul_token")) n.consul_token = v->text;
        }
        n.instance_id =
            get("instance_id") ? text("instance_id") : "sha256-" + n.metadata_digest.substr(0, 16);
        if (!get("instance_id"))
            report_.warning(Location{"node metadata"},
                            "no 'instance_id' given; using the metadata digest (" + n.instance_id +
                                ") instead");

        dcs_choice(n);
        peers(n);
        network(n);
        if (c_.image.tls) {
            n.tls = true;
            n.tls_ca = text("tls_ca");
            n.tls_cert = text("tls_cert");
            n.tls_key = text("tls_key");
            check_node_tls(*get("tls_ca"), *get("tls_cert"), *get("tls_key"),
                           {n.hostname, n.short_name, n.self.address}, report_);
        }
        secrets(n);
        time_zone(n);
        if (!get("ssh_authorized_keys"))
            report_.warning(Location{"node metadata"},
                            "no 'ssh_authorized_keys': the admin user '" + c_.image.admin_user +
                                "' gets no SSH access (the console still works)");
        if (report_.has_errors()) return std::nullopt;
        return n;
    }

private:
    const Value* get(std::string_view key) const { return c_.metadata.get(key); }
    std::string text(std::string_view key) const { return get(key)->text; }
    std::vector<std::string> items(std::string_view key) const {
        const auto* v = get(key);
        return v ? node::split_items(*node::find_key(key), v->text) : std::vector<std::string>{};
    }

    void error(const Value& v, const std::string& message) {
        report_.error(v.where, describe(v) + ": " + message);
    }

    void missing(std::string_view key) {
        report_.error(Location{"node metadata"},
                      "required key '" + std::string(key) + "' is missing (set " +
                          std::string(node::kGuestinfoPrefix) + std::string(key) +
                          ", OVF property " + std::string(node::kOvfPropertyPrefix) +
                          std::string(key) + ", or kiln." + std::string(key) +
                          " in a metadata document)");
    }

    void check_every_value() {
        for (const auto& v : c_.metadata.all()) {
            const auto* spec = node::find_key(v.key);
            if (!spec) {
                error(v, "not a node key");
                continue;
            }
            // The schema's rule of each key, the one `kiln metadata` applies; a secret's
            // problem never quotes it.
            if (auto problem = node::check_value(*spec, v.text)) {
                error(v, *problem);
                continue;
            }
            if (spec->is_secret() && v.transport == Transport::defaults)
                error(v, "a secret cannot come from the image's baked defaults");
        }
    }

    void peers(NodeConfig& n) {
        const Value& v = *get("peers");
        for (const auto& item : node::split_items(*node::find_key("peers"), v.text))
            n.peers.push_back(*node::parse_peer(item));
        auto self = std::find_if(n.peers.begin(), n.peers.end(), [&](const node::Peer& p) {
            return p.name == n.hostname || p.name == n.short_name;
        });
        if (self == n.peers.end()) {
            error(v, "this node ('" + n.hostname +
                         "') is not among the peers; every member, self included, must be listed");
            return;
        }
        n.self = *self;
        if (n.peers.size() % 2 == 0)
            report_.warning(
                v.where,
                describe(v) + ": " + std::to_string(n.peers.size()) +
                    " peers: an even member count tolerates no more failures than one fewer");
        for (const auto& p : n.peers)
            if (same_ip(p.address, n.vip_address))
                error(*get("vip"), "the virtual IP " + n.vip_address +
                                       " is also the address of peer '" + p.name + "'");
        if ((n.vip_address.find(':') == std::string::npos) !=
            (n.self.address.find(':') == std::string::npos))
            error(*get("vip"), "the virtual IP and this node's address " + n.self.address +
                                   " are of different IP families");
    }

    // The cluster's choice among what the image carries (its image.yml dcs_servers).
    void dcs_choice(const NodeConfig& n) {
        std::vector<std::string> carried = image::carried_dcs_servers(c_.image);
        if (std::find(carried.begin(), carried.end(), n.dcs) == carried.end())
            error(*get("dcs"), "this image carries no " + n.dcs + " server; it offers " +
                                   fmt::to_string(fmt::join(carried, ", ")) +
                                   " (its profile's firstboot.dcs_servers)");
    }

    void network(NodeConfig& n) {
        const Value* address = get("address");
        if (!address) {
            if (const auto* g = get("gateway")) error(*g, "a gateway needs a static 'address'");
            if (get("dns") && get("dns")->transport != Transport::defaults)
                report_.warning(get("dns")->where,
                                describe(*get("dns")) +
                                    ": without a static 'address', DHCP provides the name servers");
            return;
        }
        n.address = address->text;
        n.interface = get("interface") ? text("interface") : n.vip_interface;
        if (!n.self.address.empty() && !same_ip(ip_of(*n.address), n.self.address))
            error(*address, "address " + ip_of(*n.address) + " is not this node's peer address " +
                                n.self.address);
        if (const auto* g = get("gateway")) {
            n.gateway = g->text;
            if ((g->text.find(':') == std::string::npos) !=
                (n.address->find(':') == std::string::npos))
                error(*g, "the gateway and the address are of different IP families");
        }
    }

    void secrets(NodeConfig& n) {
        for (const char* key : {"postgres_password", "replication_password", "rest_password"}) {
            const Value& v = *get(key);
            if (v.text.size() < 8)
                report_.warning(v.where,
                                describe(v) +
                                    ": shorter than 8 characters (weak; every occurrence of it "
                                    "in logs is hidden too)");
        }
        if (n.vip_address.find(':') != std::string::npos)
            report_.warning(
                get("vrrp_password")->where,
                describe(*get("vrrp_password")) +
                    ": unused with an IPv6 virtual IP (VRRP version 3 has no authentication)");
        const Value& vrrp = *get("vrrp_password");
        // PASS authentication uses 8 characters at most.
        if (vrrp.text.size() > kKeepalivedPasswordMax) {
            report_.warning(vrrp.where, describe(vrrp) + ": keepalived uses only the first " +
                                            std::to_string(kKeepalivedPasswordMax) + " characters");
            n.vrrp_password = vrrp.text.substr(0, kKeepalivedPasswordMax);
        }
    }

    void time_zone(const NodeConfig& n) {
        if (!n.timezone || *n.timezone == "UTC") return;
        const std::filesystem::path zoneinfo = "/usr/share/zoneinfo";
        if (root_.is_directory(zoneinfo) && !root_.exists(zoneinfo / *n.timezone))
            error(*get("timezone"),
                  "time zone '" + *n.timezone + "' does not exist in /usr/share/zoneinfo");
    }

    Collection& c_;
    const RootDir& root_;
    Report& report_;
};

}  // namespace

std::optional<NodeConfig> validate(Collection& collection, const RootDir& root) {
    return Validator(collection, root).run();
}

}  // namespace kiln::firstboot
