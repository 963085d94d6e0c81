#include "run/lifecycle.hpp"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "kiln/error.hpp"
#include "pki/authority.hpp"
#include "run/cluster.hpp"
#include "run/netns_http.hpp"

namespace kiln::run {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The REST password the nodes were given: it is in every node's metadata file (0600), under
// the `kiln` mapping of the fw_cfg document.
std::string rest_password(const ClusterState& state) {
    for (const auto& node : state.nodes) {
        fs::path file = state.state_dir / (node.name + ".metadata.yml");
        try {
            YAML::Node doc = YAML::LoadFile(file.string());
            if (doc["kiln"] && doc["kiln"]["rest_password"])
                return doc["kiln"]["rest_password"].as<std::string>();
        } catch (const YAML::Exception&) {
        }
    }
    throw Error("no node metadata in " + state.state_dir.string() +
                " holds the REST password that Patroni's switchover needs");
}

// Polls `check` every 5 s until it returns true or `limit` passes; `waiting` says why not yet.
template <class Check>
bool wait_for(Check&& check, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    for (;;) {
        if (check()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::seconds(5));
    }
}

class Reporter {
public:
    Reporter(const LifecycleOptions& options, std::string node)
        : options_(options), node_(std::move(node)), start_(Clock::now()) {}
    void operator()(const std::string& step, const std::string& detail) const {
        if (options_.progress) options_.progress({node_, step, detail, since(start_)});
    }
    double seconds() const { return since(start_); }

private:
    const LifecycleOptions& options_;
    std::string node_;
    Clock::time_point start_;
};

// Waits until the cluster is healthy (one leader, every other member streaming from it).
ClusterView wait_healthy(const PatroniApi& api, const LifecycleOptions& options,
                         const Reporter& report) {
    std::optional<ClusterView> view;
    std::string last;
    bool healthy = wait_for(
        [&] {
            view = api.view();
            std::string summary = view ? view->health_summary(api.members()) : "no node answers";
            if (summary != last) report("healthy", "waiting: " + summary);
            last = summary;
            return view && view->healthy(api.members());
        },
        options.node_timeout);
    if (!healthy)
        throw Error("the cluster did not become healthy within " +
                    std::to_string(options.node_timeout.count()) + " s: " + last);
    return *view;
}

}  // namespace

PatroniApi::PatroniApi(const fs::path& state_dir) {
    ClusterState state = load_cluster(state_dir);
    netns_ = "/run/netns/" + state.netns;
    for (const auto& node : state.nodes) nodes_.emplace_back(node.name, node.address);
    rest_password_ = rest_password(state);
    if (!state.pki_dir.empty() && fs::exists(state.pki_dir / pki::kCaCertificateFile)) {
        pki_dir_ = state.pki_dir;
        ca_file_ = (state.pki_dir / pki::kCaCertificateFile).string();
    } else {
        https_ = false;
    }
}

// Patroni's REST API takes an unsafe request such as a switchover only from a client with a
// certificate of the cluster CA (verify_client: optional): kiln run issues itself one, in
// memory, valid for a day.
std::optional<ClientCertificate> PatroniApi::client_certificate() const {
    if (!https_ || pki_dir_.empty()) return std::nullopt;
    if (!fs::exists(pki_dir_ / pki::kCaKeyFile))
        throw Error(
            "Patroni takes a switchover only from a client certificate of the cluster CA, "
            "and " +
            (pki_dir_ / pki::kCaKeyFile).string() + " is missing");
    pki::Authority ca = pki::load_or_create_authority(pki_dir_, "");
    pki::NodeCredentials client =
        pki::issue_node_certificate(ca, {"kiln-run", {}}, {.starts_in = -3600, .days = 1});
    return ClientCertificate{std::move(client.certificate_pem), std::move(client.key_pem)};
}

std::string PatroniApi::url(const std::string& node, const std::string& path) const {
    for (const auto& [name, address] : nodes_)
        if (name == node) return (https_ ? "https://" : "http://") + address + ":8008" + path;
    throw Error("no node '" + node + "' in the cluster");
}

HttpResponse PatroniApi::get(const NetnsHttp& http, const std::string& node,
                             const std::string& path) const {
    HttpResponse response = http.get(url(node, path), std::chrono::seconds(5));
    if (response.status == 0 && !ca_file_.empty() && !scheme_known_) {
        https_ = !https_;
        HttpResponse other = http.get(url(node, path), std::chrono::seconds(5));
        if (other.status != 0) {
            scheme_known_ = true;
            return other;
        }
        https_ = !https_;
    }
    scheme_known_ = scheme_known_ || response.status != 0;
    return response;
}

std::optional<ClusterView> PatroniApi::view() const {
    NetnsHttp http(netns_, ca_file_);
    for (const auto& [name, address] : nodes_) {
        HttpResponse cluster = get(http, name, "/cluster");
        if (cluster.status != 200) continue;
        ClusterView view;
        try {
            view = parse_cluster(cluster.body);
        } catch (const Error&) {
            continue;
        }
        if (const PatroniMember* leader = view.leader()) {
            HttpResponse status = get(http, leader->name, "/patroni");
            if (status.status == 200) try {
                    view.streaming = parse_streaming(status.body);
                } catch (const Error&) {
                }
        }
        return view;
    }
    return std::nullopt;
}

void PatroniApi::switchover(const std::string& leader, const std::string& candidate) const {
    NetnsHttp http(netns_, ca_file_, client_certificate());
    nlohmann::json body = {{"leader", leader}, {"candidate", candidate}};
    HttpResponse r = http.post_json(url(leader, "/switchover"), body.dump(),
                                    BasicAuth{"patroni", rest_password_}, std::chrono::seconds(90));
    if (r.status != 200)
        throw Error("Patroni refused the switchover from " + leader + " to " + candidate + " (" +
                    (r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body : r.error) +
                    ")");
    bool led = wait_for(
        [&] {
            auto view = this->view();
            const PatroniMember* now = view ? view->leader() : nullptr;
            return now && now->name == candidate && now->state == "running";
        },
        std::chrono::seconds(120));
    if (!led) throw Error(candidate + " did not take the leadership after the switchover");
}

void replace_node(const fs::path& state_dir, const std::string& name,
                  const Replacement& replacement, const LifecycleOptions& options) {
    Reporter report(options, name);
    PatroniApi api(state_dir);
    std::optional<ClusterView> view;
    wait_for([&] { return (view = api.view()).has_value(); }, std::chrono::minutes(2));
    if (view && view->leader() && view->leader()->name == name && api.members() > 1) {
        Candidate candidate = switchover_candidate(*view);
        if (!candidate.name)
            throw Error("cannot replace the leader " + name + " without a switchover: " +
                        candidate.why_none + "; wait until the cluster is healthy");
        report("switchover", name + " hands the leadership to " + *candidate.name);
        api.switchover(name, *candidate.name);
        report("switchover", *candidate.name + " leads");
    }
    report("shutdown", "powering " + name + " off (ACPI)");
    bool clean = stop_node(state_dir, name, options.shutdown_timeout);
    report("shutdown", clean ? "powered off" : "did not power off in time: killed");
    std::string disks =
        std::string(replacement.new_os_disk ? "a new OS disk" : "its OS disk") +
        (replacement.image ? " from " + replacement.image->filename().string() : "") + ", " +
        (replacement.blank_data_disk ? "a blank data disk" : "its data disk");
    renew_disks(state_dir, name, replacement.image, replacement.new_os_disk,
                replacement.blank_data_disk);
    report("disks", disks);
    start_node(state_dir, name);
    report("boot", "powered on");
    std::string last;
    bool streaming = wait_for(
        [&] {
            auto now = api.view();
            const PatroniMember* member = now ? now->member(name) : nullptr;
            std::string state = !now                         ? "no node answers"
                                : !member                    ? "not registered yet"
                                : member->state != "running" ? member->state
                                : !now->streaming.contains(name) && now->leader() != member
                                    ? "running, not streaming yet"
                                    : "";
            if (state != last && !state.empty()) report("streaming", "waiting: " + state);
            last = state;
            return now && member && state.empty();
        },
        options.node_timeout);
    if (!streaming)
        throw Error(name + " did not stream from the leader within " +
                    std::to_string(options.node_timeout.count()) + " s after booting (" + last +
                    ")");
    report("done", name + " streams from the leader again");
}

void rolling_replace(const fs::path& state_dir, const fs::path& image,
                     const LifecycleOptions& options) {
    PatroniApi api(state_dir);
    Reporter report(options, "cluster");
    ClusterView view = wait_healthy(api, options, report);
    std::vector<std::string> names;
    for (const auto& node : load_cluster(state_dir).nodes) names.push_back(node.name);
    for (const auto& name : rolling_order(view, names)) {
        wait_healthy(api, options, report);
        replace_node(state_dir, name, {image, true, false}, options);
    }
    wait_healthy(api, options, report);
    report("done", "every node runs " + image.filename().string());
}

}  // namespace kiln::run
