#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/enum_names.hpp"
#include "kiln/failover.hpp"
#include "kiln/source.hpp"

// /etc/kiln/image.yml: what the builder bakes into an image for kiln-firstboot (the profile's
// `firstboot:` section, the node-key defaults, and where this OS keeps things). The builder
// writes it with to_yaml(); kiln-firstboot reads it with parse_image_config(). Defaults include
// the profile's settings (timezone, ntp_servers, zabbix_server) unless node metadata overrides.
namespace kiln::image {

inline constexpr std::string_view kImageConfigPath = "/etc/kiln/image.yml";

enum class OsFamily { debian, el };
constexpr auto name_table(OsFamily) {
    using enum OsFamily;
    return std::to_array<EnumName<OsFamily>>({{debian, "debian"}, {el, "el"}});
}

enum class NetworkBackend { ifupdown, networkd, ifcfg };
constexpr auto name_table(NetworkBackend) {
    using enum NetworkBackend;
    return std::to_array<EnumName<NetworkBackend>>(
        {{ifupdown, "ifupdown"}, {networkd, "networkd"}, {ifcfg, "ifcfg"}});
}

// The node's data disk (profile `data_disk`): found by its filesystem label, mounted at `mount`.
struct DataDisk {
    std::string label = "kiln-data";
    std::string filesystem = "ext4";  // ext4 or xfs
    std::string mount = "/data";
};

// "/data" -> "data.mount", "/var/lib/kiln-data" -> "var-lib-kiln\\x2ddata.mount", as
// systemd-escape --path --suffix=mount names a mount point's unit.
std::string mount_unit_name(const std::string& mount_point);

struct ImageConfig {
    int version = 1;
    OsFamily os_family = OsFamily::debian;
    NetworkBackend network = NetworkBackend::ifupdown;
    std::string dcs = "etcd";  // the default choice
    // The DCS servers this image carries (profile `firstboot.dcs_servers`); empty in an image.yml
    // from before the choice: that image carries its `dcs` alone.
    std::vector<std::string> dcs_servers;
    std::vector<std::string> services;  // start order
    std::string admin_user = "kiln";
    bool scrub_secrets = true;
    // The cluster speaks TLS: nodes need tls_ca, tls_cert, tls_key (profile `firstboot.tls`).
    bool tls = true;
    // Patroni's, haproxy's and keepalived's timing (profile `firstboot.failover`).
    failover::Timing failover;
    std::string postgres_bin_dir = "/usr/lib/postgresql/15/bin";
    std::string postgres_data_dir = "/var/lib/postgresql/15/main";
    std::optional<DataDisk> data_disk;  // none: the services keep their state on the OS disk
    std::string release;                // the profile's release: which image a node runs
    std::map<std::string, std::string> defaults;    // node key -> text form; never secrets
    std::map<std::string, Location> default_where;  // where each default was read from
};

// The servers the image carries: `dcs_servers`, or `dcs` alone when the image.yml names none.
std::vector<std::string> carried_dcs_servers(const ImageConfig& config);

std::string to_yaml(const ImageConfig& config);

// Validates every field (node defaults against the schema, secrets refused); all problems go
// to `report`. nullopt when the text cannot be read as a mapping at all.
std::optional<ImageConfig> parse_image_config(const std::string& display_name,
                                              const std::string& text, SourceFiles& sources,
                                              Report& report);
std::optional<ImageConfig> load_image_config(const std::string& display_name,
                                             const std::filesystem::path& path,
                                             SourceFiles& sources, Report& report);

}  // namespace kiln::image
