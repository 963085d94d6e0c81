#include "dcs/zookeeper_ensemble.hpp"
#include "render/render.hpp"

namespace kiln::firstboot {

namespace {

// A kernel table of a few KiB.
constexpr std::size_t kMaxMeminfoBytes = 1 << 16;

std::string zoo_cfg(const std::vector<ZookeeperServer>& ensemble,
                    const std::filesystem::path& data_dir) {
    std::string cfg =
        "# Written by kiln-firstboot from this node's metadata: the ensemble is its peers, each\n"
        "# numbered by the order of their names (the same ids on every node).\n"
        "tickTime=2000\n"
        "initLimit=10\n"
        "syncLimit=5\n"
        "dataDir=" +
        data_dir.string() +
        "\n"
        "clientPort=2181\n"
        "autopurge.snapRetainCount=3\n"
        "autopurge.purgeInterval=24\n"
        "# Health checks (Zabbix, kiln's tests) ask ruok and srvr; no other four-letter word.\n"
        "4lw.commands.whitelist=ruok,srvr\n"
        "admin.enableServer=false\n";
    // The quorum port (followers to the leader) and the election port of each member.
    for (const auto& server : ensemble)
        cfg += "server." + std::to_string(server.id) + "=" + url_host(server.peer.address) +
               ":2888:3888\n";
    return cfg;
}

}  // namespace

std::optional<RenderedFile> zookeeper_myid_file(const std::vector<node::Peer>& peers,
                                                const std::string& name,
                                                const std::filesystem::path& data_dir) {
    const std::optional<int> id = zookeeper_myid(peers, name);
    if (!id) return std::nullopt;
    return RenderedFile{data_dir / "myid", std::to_string(*id) + "\n", 0644, "zookeeper",
                        "zookeeper"};
}

// zoo.cfg, this member's myid in its data folder and the JVM heap in the environment file the
// unit reads after the package's (Debian's /etc/zookeeper/conf/environment sets JAVA_OPTS="";
// /etc/default/zookeeper, read after it, overrides it). Every value is a validated name or
// address.
void render_zookeeper(const RenderContext& c, Rendering& out, Report& report) {
    const NodeConfig& n = c.node;
    const std::filesystem::path& data_dir = c.layout.dcs_data.zookeeper;
    const std::vector<ZookeeperServer> ensemble = zookeeper_ensemble(n.peers);
    out.files.push_back({c.layout.zookeeper_config, zoo_cfg(ensemble, data_dir)});

    auto myid = zookeeper_myid_file(n.peers, n.self.name, data_dir);
    if (!myid) {
        report.error(Location{"peers"}, "this node (" + n.self.name + ") is not among its peers");
        return;
    }
    out.files.push_back(std::move(*myid));

    std::optional<std::uint64_t> memory = mem_total_kib(
        c.root.read("/proc/meminfo", kMaxMeminfoBytes, "the kernel's meminfo").value_or(""));
    if (!memory)
        report.warning(Location{c.root.describe("/proc/meminfo")},
                       "no MemTotal: ZooKeeper's JVM heap is the minimum, " +
                           std::to_string(kMinHeapMib) + " MiB");
    const std::string heap = std::to_string(zookeeper_heap_mib(memory)) + "m";
    out.files.push_back({c.layout.zookeeper_environment,
                         "# Written by kiln-firstboot: the JVM heap, a quarter of this VM's "
                         "memory (clamped to " +
                             std::to_string(kMinHeapMib) + ".." + std::to_string(kMaxHeapMib) +
                             " MiB).\nJAVA_OPTS=\"-Xms" + heap + " -Xmx" + heap + "\"\n"});
}

}  // namespace kiln::firstboot
