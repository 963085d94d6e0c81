#pragma once

// Shared fixtures for the kiln-firstboot tests: temporary roots laid out like a baked image,
// a fake open-vm-tools CLI that follows the real reply contract, and a good node's metadata.
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kiln/image_config.hpp"

namespace kiln::firstboot::test {

namespace fs = std::filesystem;

inline void write_file(const fs::path& path, const std::string& text,
                       fs::perms perms = fs::perms::none) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    if (perms != fs::perms::none) fs::permissions(path, perms);
}

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "kiln-fb-test.XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& p) const { return path_ / p; }

private:
    fs::path path_;
};

// Every file and symlink below `dir` with its content (or link target): "nothing changed".
inline std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        auto rel = fs::relative(entry.path(), dir).string();
        if (entry.is_symlink())
            out[rel] = "-> " + fs::read_symlink(entry.path()).string();
        else if (entry.is_regular_file())
            out[rel] = read_file(entry.path());
        else
            out[rel + "/"] = "";
    }
    return out;
}

// A root laid out like a baked Debian image: the Patroni base config, /etc/kiln/image.yml,
// users in /etc/passwd. Its image has TLS off unless `tls` (then nodes need tls_* metadata:
// tls_test.cpp's tests).
inline void make_image_root(
    const fs::path& root,
    const std::map<std::string, std::string>& defaults = {{"cluster", "pg-ha"},
                                                          {"vip_interface", "ens192"},
                                                          {"vrrp_router_id", "51"},
                                                          {"dcs", "etcd"}},
    bool tls = false) {
    fs::create_directories(root / "etc/kiln");
    fs::copy_file(fs::path(KILN_SOURCE_DIR) / "overlays/patroni/etc/kiln/patroni.base.yml",
                  root / "etc/kiln/patroni.base.yml", fs::copy_options::overwrite_existing);
    image::ImageConfig config;
    config.services = {"etcd.service", "patroni.service", "haproxy.service", "keepalived.service"};
    config.dcs_servers = {"etcd", "zookeeper", "consul"};  // every choice renders
    config.defaults = defaults;
    config.tls = tls;
    write_file(root / "etc/kiln/image.yml", image::to_yaml(config));
    write_file(root / "etc/passwd",
               "root:x:0:0:root:/root:/bin/bash\npostgres:x:107:114:PostgreSQL:/var/lib/"
               "postgresql:/bin/bash\n"
               "kiln:x:1000:1000:kiln admin:/home/kiln:/bin/bash\n");
    write_file(root / "etc/group", "root:x:0:\npostgres:x:114:\nkiln:x:1000:\n");
    write_file(root / "etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tpg-template\n");
}

// Rewrites the image's failover timing (as a profile's `firstboot.failover` bakes it).
inline void set_image_failover(const fs::path& root, const failover::Timing& timing) {
    SourceFiles sources;
    Report report;
    auto config =
        image::load_image_config("image.yml", root / "etc/kiln/image.yml", sources, report);
    if (!config) throw std::runtime_error(report.format(&sources));
    config->failover = timing;
    write_file(root / "etc/kiln/image.yml", image::to_yaml(*config));
}

inline void mark_vmware(const fs::path& root) {
    write_file(root / "sys/class/dmi/id/sys_vendor", "VMware, Inc.\n");
}

// A valid ed25519 public key (the blob names its own type).
inline const std::string kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
    "admin@example";

// The kiln: map of a good node, pg-1 of three.
inline std::map<std::string, std::string> good_values() {
    return {{"priority", "100"},
            {"peers", "pg-1=10.0.0.11,pg-2=10.0.0.12,pg-3=10.0.0.13"},
            {"vip", "10.0.0.100/24"},
            {"cluster", "pg-ha"},
            {"dcs", "etcd"},
            {"ntp_servers", "0.pool.ntp.org,1.pool.ntp.org"},
            {"zabbix_server", "zabbix.example.com"},
            {"postgres_password", "pg-secret-1"},
            {"replication_password", "repl-secret-2"},
            {"rest_password", "rest-secret-3"},
            {"vrrp_password", "vrrp-4"}};
}

// A metadata document: cloud-init keys plus the kiln: map (every value a quoted string).
inline std::string document(const std::map<std::string, std::string>& kiln,
                            const std::string& hostname = "pg-1",
                            const std::string& instance_id = "i-0001") {
    YAML::Emitter out;
    out << YAML::BeginMap;
    if (!instance_id.empty()) out << YAML::Key << "instance-id" << YAML::Value << instance_id;
    if (!hostname.empty())
        out << YAML::Key << "local-hostname" << YAML::Value << YAML::DoubleQuoted << hostname;
    if (!kiln.count("ssh_authorized_keys"))
        out << YAML::Key << "public-keys" << YAML::Value << YAML::BeginSeq << kEd25519
            << YAML::EndSeq;
    out << YAML::Key << "kiln" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : kiln) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
    out << YAML::EndMap << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

// A fake vmware-rpctool (or vmtoolsd) following open-vm-tools' reply contract: for
// "info-get KEY" the value on stdout and exit 0, or "No value found" on stderr and exit 1;
// "info-set KEY VALUE" stores. Every call is appended to calls.log. Put first in $PATH.
class FakeVmware {
public:
    explicit FakeVmware(const fs::path& dir, const std::string& tool = "vmware-rpctool",
                        bool broken = false)
        : dir_(dir) {
        fs::create_directories(dir_ / "store");
        std::string script =
            "#!/bin/sh\n"
            "D='" +
            dir_.string() +
            "'\n"
            "[ \"$1\" = --cmd ] && shift\n"
            "echo \"$1\" >> \"$D/calls.log\"\n";
        if (broken) script += "echo 'Failed sending message to VMware.' >&2\nexit 1\n";
        script +=
            "case \"$1\" in\n"
            "  'info-get '*) k=${1#info-get }\n"
            "    if [ -f \"$D/store/$k\" ]; then cat \"$D/store/$k\"; echo; exit 0; fi\n"
            "    echo 'No value found' >&2; exit 1;;\n"
            "  'info-set '*) r=${1#info-set }; k=${r%% *}; v=${r#* }\n"
            "    printf %s \"$v\" > \"$D/store/$k\"; exit 0;;\n"
            "esac\n"
            "echo 'Unknown command' >&2; exit 1\n";
        write_file(dir_ / "bin" / tool, script,
                   fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                       fs::perms::others_read | fs::perms::others_exec);
        const char* path = std::getenv("PATH");
        old_path_ = path ? path : "";
        setenv("PATH", ((dir_ / "bin").string() + ":" + old_path_).c_str(), 1);
    }
    ~FakeVmware() { setenv("PATH", old_path_.c_str(), 1); }
    FakeVmware(const FakeVmware&) = delete;
    FakeVmware& operator=(const FakeVmware&) = delete;

    void set(const std::string& key, const std::string& value) {
        write_file(dir_ / "store" / key, value);
    }
    std::string get(const std::string& key) const { return read_file(dir_ / "store" / key); }
    bool has(const std::string& key) const { return fs::exists(dir_ / "store" / key); }
    void erase(const std::string& key) { fs::remove(dir_ / "store" / key); }
    std::vector<std::string> calls() const {
        std::vector<std::string> out;
        std::istringstream in(read_file(dir_ / "calls.log"));
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

private:
    fs::path dir_;
    std::string old_path_;
};

// What vSphere puts in guestinfo.ovfEnv (and in ovf-env.xml on the ISO transport's CD).
inline std::string ovf_env(const std::vector<std::pair<std::string, std::string>>& properties) {
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Environment\n"
        "     xmlns=\"http://schemas.dmtf.org/ovf/environment/1\"\n"
        "     xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
        "     xmlns:oe=\"http://schemas.dmtf.org/ovf/environment/1\"\n"
        "     xmlns:ve=\"http://www.vmware.com/schema/ovfenv\"\n"
        "     oe:id=\"\"\n"
        "     ve:vCenterId=\"vm-1042\">\n"
        "   <PlatformSection>\n"
        "      <Kind>VMware ESXi</Kind>\n"
        "      <Version>7.0.3</Version>\n"
        "      <Vendor>VMware, Inc.</Vendor>\n"
        "      <Locale>en</Locale>\n"
        "   </PlatformSection>\n"
        "   <PropertySection>\n";
    for (const auto& [k, v] : properties)
        xml += "         <Property oe:key=\"" + k + "\" oe:value=\"" + v + "\"/>\n";
    xml +=
        "   </PropertySection>\n"
        "   <ve:EthernetAdapterSection>\n"
        "      <ve:Adapter ve:mac=\"00:50:56:8a:1b:2c\" ve:network=\"VM Network\" "
        "ve:unitNumber=\"7\"/>\n"
        "   </ve:EthernetAdapterSection>\n"
        "</Environment>\n";
    return xml;
}

inline std::string base64(const std::string& bytes) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += alphabet[(v >> 18) & 63], out += alphabet[(v >> 12) & 63], out += "==";
    } else if (i + 2 == bytes.size()) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += alphabet[(v >> 18) & 63], out += alphabet[(v >> 12) & 63],
            out += alphabet[(v >> 6) & 63], out += "=";
    }
    return out;
}

}  // namespace kiln::firstboot::test

#include <zlib.h>

namespace kiln::firstboot::test {

// gzip (RFC 1952) of `bytes`, as `gzip` and cloud-init's tools write it.
inline std::string gzip(const std::string& bytes) {
    z_stream s{};
    deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&s, bytes.size()) + 32, '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    s.avail_in = static_cast<uInt>(bytes.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

}  // namespace kiln::firstboot::test
