#include "run/cluster.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "inventory/inventory.hpp"
#include "kiln/atomic_file.hpp"
#include "kiln/error.hpp"
#include "kiln/join.hpp"
#include "kiln/process.hpp"
#include "kiln/unique_fd.hpp"
#include "metadata/formats.hpp"
#include "pki/cluster_tls.hpp"
#include "run/node_qemu.hpp"
#include "run/qmp.hpp"
#include "run/relay.hpp"

namespace kiln::run {

namespace fs = std::filesystem;
namespace {

constexpr const char* kStateFile = "state.json";

std::string without_prefix(const std::string& cidr) {
    return cidr.substr(0, cidr.find('/'));
}

// The address the host side of the private network takes: the inventory's gateway, else .1.
std::string bridge_address(const inventory::Inventory& inv) {
    std::string prefix = inv.nodes.front().address.substr(inv.nodes.front().address.find('/'));
    if (auto it = inv.common.find("gateway"); it != inv.common.end()) return it->second + prefix;
    std::string node = without_prefix(inv.nodes.front().address);
    return node.substr(0, node.rfind('.')) + ".1" + prefix;
}

std::string mac_for(std::size_t index) {
    char text[32];
    std::snprintf(text, sizeof text, "52:54:00:4b:00:%02zx", index + 1);
    return text;
}

void ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_process_checked({argv}, "ip " + args.front());
}

bool alive(int pid) {
    return pid > 0 && ::kill(pid, 0) == 0;
}

// Signals the process (SIGTERM: a shutdown; SIGKILL: a crash) and waits until it is gone,
// killing it outright after 10 s.
void stop(int pid, int signal = SIGTERM) {
    if (!alive(pid)) return;
    ::kill(pid, signal);
    for (int i = 0; i < 100 && alive(pid); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (alive(pid)) ::kill(pid, SIGKILL);
}

int read_pid(const fs::path& file) {
    for (int i = 0; i < 100; ++i) {
        std::ifstream in(file);
        int pid = 0;
        if (in >> pid && pid > 0) return pid;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw Error("QEMU did not write its pid file " + file.string());
}

// Runs a node's QEMU command (it daemonizes) and returns the pid it wrote.
int launch(const std::vector<std::string>& qemu, const fs::path& pidfile, const std::string& node) {
    fs::remove(pidfile);
    run_process_checked({qemu}, "starting QEMU for " + node);
    return read_pid(pidfile);
}

nlohmann::json image_info(const fs::path& image) {
    ProcessResult info = run_process_checked(
        {{"qemu-img", "info", "--output=json", image.string()}}, "reading " + image.string());
    return nlohmann::json::parse(info.out);
}

// A node's OS disk: a copy-on-write overlay of the image, which is never written.
void clone_image(const fs::path& image, const fs::path& disk, const std::string& node) {
    std::string format = image_info(image).at("format").get<std::string>();
    run_process_checked({{"qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b",
                          image.string(), disk.string()}},
                        "creating the OS disk of " + node);
}

// A node's data disk, blank: first boot formats it.
void blank_disk(const fs::path& disk, const std::string& size, const std::string& node) {
    run_process_checked({{"qemu-img", "create", "-q", "-f", "qcow2", disk.string(), size}},
                        "creating the data disk of " + node);
}

// Undoes a partial `up` unless released.
class Rollback {
public:
    explicit Rollback(fs::path dir) : dir_(std::move(dir)) {}
    ~Rollback() {
        if (armed_) {
            try {
                down(dir_);
            } catch (...) {
            }
        }
    }
    void release() { armed_ = false; }

private:
    fs::path dir_;
    bool armed_ = true;
};

void save_state(const ClusterState& state) {
    write_file_atomically(state.state_dir / kStateFile, state.to_json().dump(2), 0600);
}

ClusterState load_state(const fs::path& state_dir) {
    fs::path file = state_dir / kStateFile;
    if (!fs::exists(file)) throw UsageError("no kiln run cluster in " + state_dir.string());
    std::ifstream in(file);
    return ClusterState::from_json(nlohmann::json::parse(in));
}

}  // namespace

nlohmann::json ClusterState::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& n : nodes)
        list.push_back({{"name", n.name},
                        {"address", n.address},
                        {"pid", n.pid},
                        {"ssh_port", n.ssh_port},
                        {"qemu", n.qemu},
                        {"image", n.image},
                        {"os_disk", n.os_disk},
                        {"data_disk", n.data_disk},
                        {"qmp", n.qmp}});
    return {{"cluster", cluster},
            {"netns", netns},
            {"state_dir", state_dir},
            {"pki_dir", pki_dir},
            {"vip", vip},
            {"hardware", to_string(hardware)},
            {"relay_pid", relay_pid},
            {"primary_port", primary_port},
            {"replica_port", replica_port},
            {"stats_port", stats_port},
            {"nodes", list}};
}

ClusterState ClusterState::from_json(const nlohmann::json& j) {
    ClusterState s;
    s.cluster = j.at("cluster");
    s.netns = j.at("netns");
    s.state_dir = j.at("state_dir").get<std::string>();
    s.pki_dir = j.value("pki_dir", std::string());
    s.vip = j.at("vip");
    // State written before --hardware existed: its nodes boot on virtio.
    std::string hardware = j.value("hardware", "virtio");
    if (auto known = parse_enum<Hardware>(hardware))
        s.hardware = *known;
    else
        throw Error("unknown hardware '" + hardware + "' in the cluster's state (" +
                    one_of<Hardware>() + ")");
    s.relay_pid = j.at("relay_pid");
    s.primary_port = j.at("primary_port");
    s.replica_port = j.at("replica_port");
    s.stats_port = j.at("stats_port");
    for (const auto& n : j.at("nodes"))
        s.nodes.push_back({n.at("name"), n.at("address"), n.at("pid"), n.at("ssh_port"),
                           n.value("qemu", std::vector<std::string>{}),
                           n.value("image", std::string()), n.value("os_disk", std::string()),
                           n.value("data_disk", std::string()), n.value("qmp", std::string())});
    return s;
}

NodeState& find_node(ClusterState& state, const std::string& name) {
    for (auto& node : state.nodes)
        if (node.name == name) return node;
    throw UsageError(fmt::format("cluster '{}' has no node '{}' (nodes: {})", state.cluster, name,
                                 join_mapped(state.nodes, ", ", &NodeState::name)));
}

fs::path default_state_dir(const std::string& cluster) {
    return fs::path("/var/tmp/kiln-run") / cluster;
}

std::string resolve_accel(const std::string& accel) {
    if (accel != "auto") return accel;
    if (const char* env = std::getenv("KILN_ACCEL"); env && *env) return env;
    UniqueFd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    return kvm ? "kvm" : "tcg";
}

ClusterState up(const UpOptions& options) {
    Report report;
    auto inv = inventory::load(options.inventory, report);
    std::map<std::string, std::string> secrets;
    if (inv) secrets = inventory::load_secrets(options.secrets, inv->dcs, report);
    if (!fs::is_regular_file(options.image))
        report.error(Location{options.image.string()}, "image not found");
    if (report.has_errors()) throw InvalidInput("nothing started:\n" + report.format(nullptr));

    ClusterState state;
    state.cluster = inv->cluster;
    state.netns = "kiln-" + inv->cluster;
    state.state_dir = fs::absolute(options.state_dir.value_or(default_state_dir(inv->cluster)));
    state.vip = without_prefix(inv->vip);
    state.hardware = options.hardware;
    if (fs::exists(state.state_dir / kStateFile))
        throw UsageError("cluster '" + inv->cluster + "' is already running from " +
                         state.state_dir.string() + "; stop it with kiln run --down --state-dir " +
                         state.state_dir.string());
    if (fs::exists("/run/netns/" + state.netns))
        throw UsageError("network namespace " + state.netns + " already exists: cluster '" +
                         inv->cluster + "' runs from another state folder; stop that one first");
    fs::create_directories(state.state_dir);
    fs::permissions(state.state_dir, fs::perms::owner_all);
    Rollback rollback(state.state_dir);
    // Written first, so that --down finds what to clean even if `up` dies half-way.
    save_state(state);

    ip({"netns", "add", state.netns});
    ip({"-n", state.netns, "link", "set", "lo", "up"});
    ip({"-n", state.netns, "link", "add", "br0", "type", "bridge"});
    ip({"-n", state.netns, "addr", "add", bridge_address(*inv), "dev", "br0"});
    ip({"-n", state.netns, "link", "set", "br0", "up"});

    state.pki_dir =
        fs::absolute(options.pki_dir.value_or(pki::default_pki_dir(state.state_dir, inv->cluster)));
    pki::Authority authority = pki::load_or_create_authority(state.pki_dir, inv->cluster);
    fs::path image = fs::absolute(options.image);
    std::string accel = resolve_accel(options.accel);
    for (const auto& name : options.deferred)
        if (std::none_of(inv->nodes.begin(), inv->nodes.end(),
                         [&](const auto& n) { return n.name == name; }))
            throw UsageError("--defer " + name + ": the inventory has no node '" + name + "'");
    std::vector<int> ports;
    for (std::size_t i = 0; i < inv->nodes.size(); ++i) {
        const auto& node = inv->nodes[i];
        std::string tap = ("tap-" + node.name).substr(0, 15);
        ip({"-n", state.netns, "tuntap", "add", "dev", tap, "mode", "tap"});
        ip({"-n", state.netns, "link", "set", tap, "master", "br0", "up"});

        fs::path disk = state.state_dir / (node.name + ".qcow2");
        clone_image(image, disk, node.name);
        fs::path data = state.state_dir / (node.name + ".data.qcow2");
        blank_disk(data, options.data_size, node.name);
        fs::path qmp = state.state_dir / (node.name + ".qmp");
        auto node_secrets = secrets;
        pki::add_node_tls(authority, *inv, node, node_secrets);
        auto values = inventory::node_metadata(*inv, node, node_secrets);
        fs::path metadata = state.state_dir / (node.name + ".metadata.yml");
        write_file_atomically(metadata, metadata::document_yaml(values), 0600);

        NodeMachine machine{.name = node.name,
                            .netns = state.netns,
                            .accel = accel,
                            .memory_mb = options.memory_mb,
                            .cpus = options.cpus,
                            .hardware = options.hardware,
                            .os_disk = disk,
                            .data_disk = data,
                            .tap = tap,
                            .mac = mac_for(i),
                            .metadata = metadata,
                            .qmp = qmp,
                            .console = state.state_dir / (node.name + ".console.log"),
                            .pidfile = state.state_dir / (node.name + ".pid")};
        NodeState started{node.name,
                          without_prefix(node.address),
                          0,
                          0,
                          node_qemu_command(machine),
                          image,
                          disk,
                          data,
                          qmp};
        bool deferred = std::find(options.deferred.begin(), options.deferred.end(), node.name) !=
                        options.deferred.end();
        if (!deferred) started.pid = launch(started.qemu, machine.pidfile, node.name);
        started.ssh_port = free_port(options.port_base, ports);
        ports.push_back(started.ssh_port);
        state.nodes.push_back(std::move(started));
        save_state(state);
    }

    state.primary_port = free_port(options.port_base, ports);
    ports.push_back(state.primary_port);
    state.replica_port = free_port(options.port_base, ports);
    ports.push_back(state.replica_port);
    state.stats_port = free_port(options.port_base, ports);
    std::vector<Forward> forwards = {{state.primary_port, state.vip, 5000},
                                     {state.replica_port, state.vip, 5001},
                                     {state.stats_port, state.vip, 7000}};
    for (const auto& n : state.nodes) forwards.push_back({n.ssh_port, n.address, 22});
    state.relay_pid = start_relay("/run/netns/" + state.netns, forwards);
    save_state(state);
    rollback.release();
    return state;
}

void down(const fs::path& state_dir) {
    ClusterState state = load_state(state_dir);
    stop(state.relay_pid);
    for (const auto& node : state.nodes) stop(node.pid);
    // QEMU may have daemonized before its pid reached the state file: the pid files tell.
    for (const auto& entry : fs::directory_iterator(state_dir))
        if (entry.path().extension() == ".pid") {
            std::ifstream pid_in(entry.path());
            int pid = 0;
            if (pid_in >> pid) stop(pid);
        }
    if (fs::exists("/run/netns/" + state.netns)) run_process({{"ip", "netns", "del", state.netns}});
    fs::remove_all(state_dir);
}

void kill_node(const fs::path& state_dir, const std::string& name) {
    ClusterState state = load_state(state_dir);
    NodeState& node = find_node(state, name);
    stop(node.pid, SIGKILL);
    node.pid = 0;
    // A stale pid file would make --down signal whatever process reuses that pid.
    fs::remove(state_dir / (name + ".pid"));
    save_state(state);
}

ClusterState load_cluster(const fs::path& state_dir) {
    return load_state(state_dir);
}

bool stop_node(const fs::path& state_dir, const std::string& name, std::chrono::seconds timeout) {
    ClusterState state = load_state(state_dir);
    NodeState& node = find_node(state, name);
    bool clean = true;
    if (alive(node.pid)) {
        qmp_powerdown(node.qmp, std::chrono::seconds(10));
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (alive(node.pid) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        clean = !alive(node.pid);
        stop(node.pid, SIGKILL);
    }
    node.pid = 0;
    fs::remove(state_dir / (name + ".pid"));
    save_state(state);
    return clean;
}

void renew_disks(const fs::path& state_dir, const std::string& name,
                 const std::optional<fs::path>& image, bool new_os_disk, bool blank_data) {
    ClusterState state = load_state(state_dir);
    NodeState& node = find_node(state, name);
    if (alive(node.pid))
        throw UsageError("node '" + name + "' is running; its disks change only when it is off");
    if (new_os_disk) {
        fs::path from = fs::absolute(image.value_or(node.image));
        if (!fs::is_regular_file(from)) throw UsageError("image not found: " + from.string());
        fs::path next = node.os_disk.string() + ".next";
        clone_image(from, next, name);
        fs::rename(next, node.os_disk);
        node.image = from;
    }
    if (blank_data) {
        std::string size =
            std::to_string(image_info(node.data_disk).at("virtual-size").get<unsigned long long>());
        fs::path next = node.data_disk.string() + ".next";
        blank_disk(next, size, name);
        fs::rename(next, node.data_disk);
    }
    save_state(state);
}

NodeState start_node(const fs::path& state_dir, const std::string& name) {
    ClusterState state = load_state(state_dir);
    NodeState& node = find_node(state, name);
    if (alive(node.pid))
        throw UsageError("node '" + name + "' is running (QEMU pid " + std::to_string(node.pid) +
                         "); kill it first with kiln run --kill " + name);
    if (node.qemu.empty())
        throw UsageError("the state in " + state_dir.string() + " does not say how to boot '" +
                         name + "'; restart the cluster with kiln run --down, then kiln run");
    node.pid = launch(node.qemu, state_dir / (name + ".pid"), name);
    save_state(state);
    return node;
}

}  // namespace kiln::run
