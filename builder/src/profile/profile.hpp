#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"
#include "kiln/failover.hpp"
#include "kiln/source.hpp"
#include "profile/output_format.hpp"

// The typed profile model (version 1). Every value keeps the location it was read from, so a
// later stage (a build that finds a package missing) can still name the profile line.
namespace kiln::profile {

using kiln::Located;
using kiln::Text;
using kiln::TextList;

enum class PackageManager { apt, yum, dnf };
constexpr auto name_table(PackageManager) {
    using enum PackageManager;
    return std::to_array<EnumName<PackageManager>>({{apt, "apt"}, {yum, "yum"}, {dnf, "dnf"}});
}

// mmdebstrap resolves dependencies with apt and downloads through apt's pipelined HTTP, so it
// bootstraps the same Debian tree several times faster than debootstrap's one-by-one fetches.
enum class BootstrapTool { debootstrap, mmdebstrap, dnf, yum };
constexpr auto name_table(BootstrapTool) {
    using enum BootstrapTool;
    return std::to_array<EnumName<BootstrapTool>>(
        {{debootstrap, "debootstrap"}, {mmdebstrap, "mmdebstrap"}, {dnf, "dnf"}, {yum, "yum"}});
}

enum class Filesystem { ext4, xfs };
constexpr auto name_table(Filesystem) {
    using enum Filesystem;
    return std::to_array<EnumName<Filesystem>>({{ext4, "ext4"}, {xfs, "xfs"}});
}

enum class PartitionTable { gpt, mbr };
constexpr auto name_table(PartitionTable) {
    using enum PartitionTable;
    return std::to_array<EnumName<PartitionTable>>({{gpt, "gpt"}, {mbr, "mbr"}});
}

enum class Firmware { bios, uefi, hybrid };  // hybrid: GRUB for both SeaBIOS and UEFI
constexpr auto name_table(Firmware) {
    using enum Firmware;
    return std::to_array<EnumName<Firmware>>({{bios, "bios"}, {uefi, "uefi"}, {hybrid, "hybrid"}});
}

enum class OverlayKind { tree, file };
constexpr auto name_table(OverlayKind) {
    using enum OverlayKind;
    return std::to_array<EnumName<OverlayKind>>({{tree, "tree"}, {file, "file"}});
}

struct Bootstrap {
    BootstrapTool tool{};
    Text release;  // bookworm; 9 for EL releasever
    Text mirror;   // debootstrap mirror or EL baseurl
    Text variant;  // debootstrap/mmdebstrap --variant, empty for the default
    Text arch;     // amd64 / x86_64
    TextList components;
    TextList packages;  // installed by the bootstrap itself (native speed)
    // dnf/yum: the mirror's signing key (a URL the host reads), checked unless gpgcheck: false.
    Text gpgkey;
    bool gpgcheck = true;
    Location where;
};

struct BaseImage {
    Text source;  // a URL or a path (resolved against the profile's folder)
    bool is_url = false;
    std::filesystem::path path;  // when !is_url
    Text sha256;
    Text format;  // empty: detect
    Location where;
};

struct Base {
    std::optional<Bootstrap> bootstrap;
    std::optional<BaseImage> image;
};

struct Repository {
    Text name;
    // apt
    Text uri;
    Text suite;
    TextList components;
    Text signed_by;  // a key file in the profile tree, or URL
    std::filesystem::path signed_by_path;
    // yum/dnf
    Text baseurl;
    Text gpgkey;
    bool gpgcheck = true;
    bool enabled = true;
    Location where;
};

struct Packages {
    TextList install;
    TextList remove;
};

struct Overlay {
    OverlayKind kind{};
    Text source;                        // as written
    std::filesystem::path source_path;  // resolved
    Text destination;
    Text owner;                // default root
    Text group;                // default root
    std::optional<Text> mode;  // file mode (tree: applies to files; dirs keep their own)
    Location where;
};

struct Units {
    TextList enable;
    TextList disable;
    TextList mask;
};

struct Settings {
    std::optional<Text> timezone;
    std::optional<Text> locale;
    TextList ntp_servers;
    std::optional<Text> zabbix_server;
    std::optional<Text> hostname;  // placeholder hostname of the template itself
};

// One build step of `scripts:`: a program the image runs at build time (in the bootstrap's
// chroot, or in the appliance for an image base) with a declared interpreter.
struct Script {
    Text name;
    Text interpreter;                 // an absolute path inside the image
    std::optional<Text> run;          // the inline text, or
    std::optional<Text> file;         // a file as written (relative to the profile)
    std::filesystem::path file_path;  // ... resolved
    std::map<std::string, Text> env;  // besides PATH, HOME and LANG; never secrets
    Location where;
};

struct Firstboot {
    Text dcs;              // the default choice
    TextList dcs_servers;  // what the image carries; empty: `dcs` alone, as before the choice
    TextList services;     // start order
    Text admin_user;
    std::map<std::string, Text> defaults;  // node key -> text value, secrets excluded
    bool scrub_secrets = true;
    // TLS between the nodes (etcd, Patroni's REST API, PostgreSQL); `tls: false` turns it off.
    bool tls = true;
    // Patroni's, haproxy's and keepalived's timing, chosen together (README, Failover timing).
    failover::Timing failover;
    Location where;
};

struct Sysprep {
    TextList operations;
    bool selinux_relabel = false;
    Location selinux_relabel_where;
};

struct Disk {
    Located<unsigned long long> size{8ULL << 30, {}};
    Filesystem filesystem = Filesystem::ext4;
    PartitionTable partition_table = PartitionTable::gpt;
    Firmware firmware = Firmware::bios;
};

// The node's second disk: the state a member keeps (PostgreSQL's data, the DCS member's data)
// across OS-disk replacements. First boot formats it when blank and mounts it by its label.
struct DataDisk {
    Located<unsigned long long> size{8ULL << 30, {}};
    Filesystem filesystem = Filesystem::ext4;
    Text mount;  // absolute
    Text label;  // the filesystem label it is found by
    Location where;
};

struct Ovf {
    Text vm_name;
    int vmx_version = 13;
    int cpus = 2;
    int memory_mb = 4096;
    Text nic;             // vmxnet3
    Text network;         // OVF network name
    Text os_type;         // vmw:osType
    TextList properties;  // node keys exposed as ProductSection properties
};

struct Output {
    OutputFormat format{};
    Text file;               // file name inside the output directory
    std::optional<Ovf> ovf;  // ova only
    Location where;
};

struct Profile {
    std::filesystem::path path;  // the top-level file
    std::string display_path;
    std::vector<std::string> files;  // every file read, includes first, for digests
    Text name;
    Text description;
    Text release;  // the image's own version: image.yml, the OVA's product version, the manifest
    // The build's one time (profile/source_date_epoch.hpp); none: the environment's or the default.
    std::optional<Located<long long>> source_date_epoch;
    std::map<std::string, std::string> variables;  // after --var overrides
    Base base;
    PackageManager package_manager{};
    std::vector<Repository> repositories;
    Packages packages;
    std::vector<Overlay> overlays;
    Units units;
    Settings settings;
    std::vector<Script> scripts;  // in the order they run
    Firstboot firstboot;
    Sysprep sysprep;
    Disk disk;
    std::optional<DataDisk> data_disk;  // none: the services keep their state on the OS disk
    std::vector<Output> outputs;
};

// VMware guest OS identifiers accepted for ovf.os_type.
const std::vector<std::string>& known_vmware_os_types();

}  // namespace kiln::profile
