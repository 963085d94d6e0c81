#include "render/render.hpp"

#include <arpa/inet.h>

namespace kiln::firstboot {

Layout layout_for(image::OsFamily family) {
    // ZooKeeper: Debian's zookeeper package (its conf alternative, its dataDir); EL has no
    // package of its own, and the profile that adds one is assumed to follow the same layout.
    // Consul: HashiCorp's packages' data_dir.
    if (family == image::OsFamily::el)
        return {"/etc/patroni/patroni.yml",
                "postgres",
                "/var/lib/pgsql",
                "/etc/etcd/etcd.conf",
                "/etc/zookeeper/conf/zoo.cfg",
                "/etc/default/zookeeper",
                "/etc/consul.d",
                {"/var/lib/etcd/default.etcd", "/var/lib/zookeeper", "/opt/consul"}};
    return {"/etc/patroni/config.yml",
            "postgres",
            "/var/lib/postgresql",
            "/etc/default/etcd",
            "/etc/zookeeper/conf/zoo.cfg",
            "/etc/default/zookeeper",
            "/etc/consul.d",
            {"/var/lib/etcd/default", "/var/lib/zookeeper", "/opt/consul"}};
}

std::string existing_file(const RenderContext& c, const std::filesystem::path& path) {
    return c.root.read(path, kMaxEditedFileBytes, "a configuration file kiln-firstboot edits")
        .value_or("");
}

std::string url_host(const std::string& address) {
    return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

std::string subnet_of(const std::string& cidr) {
    const auto slash = cidr.find('/');
    const std::string address = cidr.substr(0, slash);
    const int prefix = std::stoi(cidr.substr(slash + 1));
    const int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
    unsigned char bytes[16]{};
    inet_pton(family, address.c_str(), bytes);
    const int size = family == AF_INET ? 4 : 16;
    for (int bit = prefix; bit < size * 8; ++bit)
        bytes[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
    char text[INET6_ADDRSTRLEN]{};
    inet_ntop(family, bytes, text, sizeof text);
    return std::string(text) + "/" + std::to_string(prefix);
}

Rendering render_all(const RenderContext& context, Report& report) {
    Rendering out;
    render_identity_files(context, out, report);
    render_tls(context, out);
    render_patroni(context, out, report);
    if (context.node.dcs == "etcd") render_etcd(context, out);
    if (context.node.dcs == "zookeeper") render_zookeeper(context, out, report);
    if (context.node.dcs == "consul") render_consul(context, out);
    render_haproxy(context, out);
    render_keepalived(context, out);
    render_time_and_monitoring(context, out);
    render_network(context, out);
    return out;
}

}  // namespace kiln::firstboot
