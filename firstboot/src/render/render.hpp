#pragma once

#include <filesystem>

#include "core/accounts.hpp"
#include "core/root_dir.hpp"
#include "dcs/etcd_member.hpp"
#include "kiln/diagnostics.hpp"
#include "render/rendered.hpp"
#include "validate/node_config.hpp"

namespace kiln::firstboot {

// Where this OS keeps each file and who owns it.
struct Layout {
    std::filesystem::path patroni_config;
    std::string postgres_user;
    std::filesystem::path postgres_home;
    std::filesystem::path etcd_environment;
    std::filesystem::path zookeeper_config;       // zoo.cfg
    std::filesystem::path zookeeper_environment;  // read by zookeeper.service after the package's
    std::filesystem::path consul_config_dir;      // read by consul.service (HashiCorp's)
    DcsDataDirs dcs_data;                         // on the data disk once the image has one
};
Layout layout_for(image::OsFamily family);

struct RenderContext {
    const NodeConfig& node;
    const RootDir& root;  // existing files (base configs, /etc/hosts) are read here
    const Accounts& accounts;
    Layout layout;
    // How this node's etcd member starts (founders' defaults until the membership stage knows).
    EtcdBootstrap etcd_bootstrap;
};

// The render stage: every file of this node, in memory. Problems (a missing base config) go
// to `report`.
Rendering render_all(const RenderContext& context, Report& report);

// One renderer per file (or small group of files).
void render_patroni(const RenderContext& c, Rendering& out, Report& report);
void render_etcd(const RenderContext& c, Rendering& out);
void render_zookeeper(const RenderContext& c, Rendering& out, Report& report);
void render_consul(const RenderContext& c, Rendering& out);
// The ZooKeeper member's myid in its data folder; nullopt when `name` is not among the peers.
std::optional<RenderedFile> zookeeper_myid_file(const std::vector<node::Peer>& peers,
                                                const std::string& name,
                                                const std::filesystem::path& data_dir);
void render_haproxy(const RenderContext& c, Rendering& out);
// With TLS on: the cluster CA, and the node's certificate and key for PostgreSQL/Patroni and etcd.
void render_tls(const RenderContext& c, Rendering& out);
void render_keepalived(const RenderContext& c, Rendering& out);
void render_identity_files(const RenderContext& c, Rendering& out, Report& report);
void render_time_and_monitoring(const RenderContext& c, Rendering& out);
void render_network(const RenderContext& c, Rendering& out);

// The text of a file the root already has that a renderer edits (/etc/hosts, chrony.conf): ""
// when it has none. Throws Error when it is no regular file or larger than kMaxEditedFileBytes.
inline constexpr std::size_t kMaxEditedFileBytes = 1 << 20;
std::string existing_file(const RenderContext& c, const std::filesystem::path& path);

// "[2001:db8::1]" for IPv6, the address itself for IPv4: for URLs and host:port.
std::string url_host(const std::string& address);

// The network a validated CIDR lies in, as a CIDR: "10.77.0.100/24" -> "10.77.0.0/24".
std::string subnet_of(const std::string& cidr);

}  // namespace kiln::firstboot
