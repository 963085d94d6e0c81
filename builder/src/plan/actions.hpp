#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "kiln/enum_names.hpp"
#include "kiln/source.hpp"
#include "profile/profile.hpp"
#include "profile/source_date_epoch.hpp"
#include "sysprep/operations.hpp"

// What each operation of a plan does, one type per kind, holding exactly what its executor
// needs. Every type lists each of its members once in `fields(self, f)`, calling f(role, member)
// with one of the roles below; the digest of an operation is computed from that list
// (plan/action_digest.cpp), so it covers what runs and nothing else.
namespace kiln::plan {

// The enum names of every layer (profile's, plan's) by one lookup.
using kiln::to_string;

using profile::Text;
using profile::TextList;

// Hashed under its key (`kiln plan --json` shows it among the inputs).
struct Input {
    const char* key;
};
// Part of the operation's name, which the digest covers.
struct Naming {};
// Where something is read from or where an error points: what matters of it is another
// member's digest (a file's content, not its path).
struct Unhashed {};

constexpr Input input(const char* key) {
    return {key};
}
inline constexpr Naming kNaming;
inline constexpr Unhashed kUnhashed;

struct IgnoreFields {
    template <class Role, class T>
    void operator()(Role, T&) const {}
};
// A type that lists its members (an action, or a group of members such as OvfDescription).
template <class T>
concept HasFields = requires(const T& t) {
    T::fields(t, IgnoreFields{});
};
// An optional group: its members count when it is present.
template <class T>
concept OptionalGroup = requires {
    typename T::value_type;
}
&&std::same_as<T, std::optional<typename T::value_type>>&& HasFields<typename T::value_type>;

// A file or folder of the build host that goes into the image, identified by its content: the
// same bytes at another path plan the same.
struct HostContent {
    std::filesystem::path path;
    std::string digest;  // sha256 of a file, tree_digest() of a folder; empty when missing
};

// ---- base

// How dnf/yum check the bootstrap mirror's packages (the repository file's gpgcheck/gpgkey).
struct BootstrapSignatures {
    Text gpgkey;
    bool gpgcheck = true;

    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("gpgkey"), s.gpgkey);
        f(input("gpgcheck"), s.gpgcheck);
    }
};

struct Bootstrap {
    profile::BootstrapTool tool{};
    Text release;  // bookworm; 9 for EL releasever
    Text mirror;
    Text variant;  // debootstrap/mmdebstrap --variant, empty for the default
    Text arch;
    TextList components;
    TextList packages;  // installed by the bootstrap itself (native speed)
    // Debian: the initramfs's drivers (initramfs-tools MODULES=list) instead of nearly every
    // module (MODULES=most); empty: the tool's own default (EL's dracut).
    TextList initramfs_modules;
    // dnf/yum only: Debian's tools check with their own keyring (and a Debian bootstrap's
    // digest stays what it was).
    std::optional<BootstrapSignatures> signatures;
    // Exported to every command the bootstrap and later stages run (file times, shadow's
    // lastchg, the initramfs): the layer's bytes depend on it.
    std::int64_t source_date_epoch = 0;

    std::string operation_name() const { return profile::to_string(tool); }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kNaming, s.tool);
        f(input("release"), s.release);
        f(input("mirror"), s.mirror);
        f(input("variant"), s.variant);
        f(input("arch"), s.arch);
        f(input("components"), s.components);
        f(input("packages"), s.packages);
        f(input("initramfs_modules"), s.initramfs_modules);
        f(input("signatures"), s.signatures);
        f(input("source_date_epoch"), s.source_date_epoch);
    }
};

struct ImportImage {
    Text source;  // a URL or a path, as written
    bool is_url = false;
    std::filesystem::path path;          // when !is_url: resolved against the profile's folder
    Text sha256;                         // what the file must hash to before anything uses it
    Text format;                         // empty: detect
    std::int64_t source_date_epoch = 0;  // exported to the commands run in the appliance

    std::string operation_name() const { return "import-image"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kUnhashed, s.source);
        f(kUnhashed, s.is_url);
        f(kUnhashed, s.path);
        f(input("sha256"), s.sha256);
        f(input("format"), s.format);
        f(input("source_date_epoch"), s.source_date_epoch);
    }
};

struct ResizeDisk {
    profile::Located<unsigned long long> size;

    std::string operation_name() const { return "resize-disk"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("bytes"), s.size);
    }
};

// ---- packages

struct AddRepository {
    profile::PackageManager manager{};
    Text repository;  // its name: the file it becomes in the guest
    // apt
    Text uri;
    Text suite;
    TextList components;
    Text signed_by;             // as written: a key file in the profile tree, or a URL
    HostContent signed_by_key;  // the key file when it is one
    // yum/dnf
    Text baseurl;
    Text gpgkey;
    bool gpgcheck = true;
    bool enabled = true;

    std::string operation_name() const { return "add-repository"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("manager"), s.manager);
        f(input("name"), s.repository);
        f(input("uri"), s.uri);
        f(input("suite"), s.suite);
        f(input("components"), s.components);
        f(input("signed_by"), s.signed_by);
        f(input("signed_by_sha256"), s.signed_by_key);
        f(input("baseurl"), s.baseurl);
        f(input("gpgkey"), s.gpgkey);
        f(input("gpgcheck"), s.gpgcheck);
        f(input("enabled"), s.enabled);
    }
};

struct InstallPackages {
    profile::PackageManager manager{};
    TextList packages;

    std::string operation_name() const { return "install-packages"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("manager"), s.manager);
        f(input("packages"), s.packages);
    }
};

struct RemovePackages {
    profile::PackageManager manager{};
    TextList packages;

    std::string operation_name() const { return "remove-packages"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("manager"), s.manager);
        f(input("packages"), s.packages);
    }
};

// ---- customize

struct CopyOverlay {
    profile::OverlayKind kind{};
    Text source;          // as written, for messages
    HostContent content;  // the resolved file or folder
    Text destination;
    Text owner;
    Text group;
    std::optional<Text> mode;  // files' mode (a tree's folders keep 0755)

    std::string operation_name() const {
        return kind == profile::OverlayKind::tree ? "copy-tree" : "copy-file";
    }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kNaming, s.kind);
        f(kUnhashed, s.source);
        f(input("destination"), s.destination);
        f(input("owner"), s.owner);
        f(input("group"), s.group);
        f(input("mode"), s.mode);
        f(input("content"), s.content);
    }
};

struct SetTimezone {
    Text timezone;

    std::string operation_name() const { return "set-timezone"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("timezone"), s.timezone);
    }
};

struct SetLocale {
    Text locale;

    std::string operation_name() const { return "set-locale"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("locale"), s.locale);
    }
};

struct ConfigureNtp {
    TextList servers;

    std::string operation_name() const { return "configure-ntp"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("servers"), s.servers);
    }
};

struct ConfigureZabbixAgent {
    Text server;

    std::string operation_name() const { return "configure-zabbix-agent"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("server"), s.server);
    }
};

struct SetHostname {
    Text hostname;

    std::string operation_name() const { return "set-hostname"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("hostname"), s.hostname);
    }
};

// Named by its systemctl verb.
enum class UnitAction { enable, disable, mask };
constexpr auto name_table(UnitAction) {
    using enum UnitAction;
    return std::to_array<EnumName<UnitAction>>(
        {{enable, "enable"}, {disable, "disable"}, {mask, "mask"}});
}

struct ApplyUnits {
    UnitAction action{};
    TextList units;

    std::string operation_name() const { return to_string(action) + "-units"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kNaming, s.action);
        f(input("units"), s.units);
    }
};

// ---- scripts

// One build step of the profile: `interpreter SCRIPT` run inside the image, its environment
// PATH, HOME, LANG and `env` alone. Its digest is its own: changing one step leaves the
// others' digests alone.
struct RunScript {
    Text name;
    Text interpreter;
    Text text;         // an inline step's text (empty for a file step)
    HostContent file;  // a file step's file (an empty path for an inline step)
    std::map<std::string, Text> env;

    std::string operation_name() const { return "script-" + name.value; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kNaming, s.name);
        f(input("interpreter"), s.interpreter);
        f(input("run"), s.text);
        f(input("file_sha256"), s.file);
        f(input("env"), s.env);
    }
};

// ---- firstboot

// The node's data disk as the image knows it (profile `data_disk`).
struct DataDiskSpec {
    profile::Located<unsigned long long> size{0, {}};
    profile::Filesystem filesystem{};
    Text mount;
    Text label;

    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("data_disk_size"), s.size);
        f(input("data_disk_filesystem"), s.filesystem);
        f(input("data_disk_mount"), s.mount);
        f(input("data_disk_label"), s.label);
    }
};

struct InstallFirstboot {
    HostContent binary;  // the static kiln-firstboot (an empty path: none was found)
    HostContent unit;    // kiln-firstboot.service (an empty path: the fallback unit)
    Text admin_user;     // empty: none

    std::string operation_name() const { return "install-firstboot"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("binary_sha256"), s.binary);
        f(input("unit_sha256"), s.unit);
        f(input("admin_user"), s.admin_user);
    }
};

struct WriteNodeDefaults {
    Text dcs;
    TextList dcs_servers;  // empty: the image carries `dcs` alone
    TextList services;     // start order
    Text admin_user;
    bool scrub_secrets = true;
    bool tls = true;  // the cluster speaks TLS (off only when the profile says so)
    failover::Timing failover;
    std::map<std::string, Text> defaults;  // node key -> value
    std::optional<DataDiskSpec> data_disk;
    Text release;

    std::string operation_name() const { return "write-node-defaults"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("dcs"), s.dcs);
        f(input("dcs_servers"), s.dcs_servers);
        f(input("services"), s.services);
        f(input("admin_user"), s.admin_user);
        f(input("scrub_secrets"), s.scrub_secrets);
        f(input("tls"), s.tls);
        f(input("failover"), s.failover);
        f(input("defaults"), s.defaults);
        f(input("data_disk"), s.data_disk);  // its own fields, when present
        f(input("release"), s.release);
    }
};

// The data disk's mount unit (by label) and, for each cluster service, the requirement that it
// is mounted: a service never writes its state onto the OS disk.
struct ConfigureDataDisk {
    DataDiskSpec disk;
    TextList services;

    std::string operation_name() const { return "configure-data-disk"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("disk"), s.disk);
        f(input("services"), s.services);
    }
};

struct DisableClusterServices {
    TextList units;

    std::string operation_name() const { return "disable-cluster-services"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("units"), s.units);
    }
};

// ---- seal

struct SealEtcdData {
    std::string operation_name() const { return "seal-etcd-data"; }
    template <class Self, class F>
    static void fields(Self&, F&&) {}
};

struct SealPostgresqlClusters {
    std::string operation_name() const { return "seal-postgresql-clusters"; }
    template <class Self, class F>
    static void fields(Self&, F&&) {}
};

// ---- sysprep

// One record of the sysprep table that works on the guest's files.
struct RunSysprep {
    const sysprep::Operation* operation = nullptr;

    std::string operation_name() const { return "sysprep-" + std::string(operation->name); }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kNaming, s.operation);
    }
};

// ---- disk

struct MakeDisk {
    profile::Located<unsigned long long> size;
    profile::PartitionTable partition_table{};
    profile::Filesystem filesystem{};
    profile::Firmware firmware{};  // decides the boot partitions
    Location bootstrap;            // where a missing kernel package would go

    std::string operation_name() const { return "make-disk"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("bytes"), s.size);
        f(input("partition_table"), s.partition_table);
        f(input("filesystem"), s.filesystem);
        f(input("firmware"), s.firmware);
        f(kUnhashed, s.bootstrap);
    }
};

struct InstallBootloader {
    profile::Firmware firmware{};
    Location bootstrap;  // where a missing GRUB package would go

    std::string operation_name() const { return "install-bootloader"; }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("firmware"), s.firmware);
        f(kUnhashed, s.bootstrap);
    }
};

// Every file gets the labels of the guest's SELinux policy at build time (no relabel at boot).
struct SelinuxRelabel {
    std::string operation_name() const { return "selinux-relabel"; }
    template <class Self, class F>
    static void fields(Self&, F&&) {}
};

// The filesystems' free space discarded, so exports stay small (sysprep's zero-free-space).
struct TrimFreeSpace {
    std::string operation_name() const { return "sysprep-zero-free-space"; }
    template <class Self, class F>
    static void fields(Self&, F&&) {}
};

// ---- output

// What a VMDK's identity and an OVA's descriptor say, resolved from the whole profile: its
// outputs.ova.ovf section, name, description, firmware and first-boot defaults.
struct OvfDescription {
    Text base_name;  // the OVA's member names (NAME.ovf, NAME-disk1.vmdk)
    Text vm_name;    // also the VMDK's identity
    int vmx_version = 13;
    int cpus = 2;
    int memory_mb = 4096;
    Text nic;             // empty: the exporter's default
    Text network;         // empty: the exporter's default
    Text os_type;         // empty: the exporter's default
    TextList properties;  // node keys exposed as ProductSection properties
    profile::Firmware firmware{};
    std::map<std::string, std::string> property_defaults;  // never secrets
    Text annotation;
    profile::Located<unsigned long long> data_disk_bytes{0, {}};  // 0: no data disk
    Text version;                                                 // the profile's release

    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(input("base_name"), s.base_name);
        f(input("vm_name"), s.vm_name);
        f(input("vmx_version"), s.vmx_version);
        f(input("cpus"), s.cpus);
        f(input("memory_mb"), s.memory_mb);
        f(input("nic"), s.nic);
        f(input("network"), s.network);
        f(input("os_type"), s.os_type);
        f(input("properties"), s.properties);
        f(input("firmware"), s.firmware);
        f(input("property_defaults"), s.property_defaults);
        f(input("annotation"), s.annotation);
        f(input("data_disk_bytes"), s.data_disk_bytes);
        f(input("version"), s.version);
    }
};

struct WriteOutput {
    profile::OutputFormat format{};
    Text file;                          // inside the output folder
    std::optional<OvfDescription> ovf;  // vmdk and ova

    std::string operation_name() const { return "write-" + profile::to_string(format); }
    template <class Self, class F>
    static void fields(Self& s, F&& f) {
        f(kNaming, s.format);
        f(input("file"), s.file);
        f(input("ovf"), s.ovf);  // its own fields, when present
    }
};

}  // namespace kiln::plan
