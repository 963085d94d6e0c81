#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "run/netns_http.hpp"
#include "run/patroni_view.hpp"

// Day 2 on a `kiln run` cluster, as on vSphere: an immutable node is replaced, never patched.
// Replacing a node keeps its data disk and its metadata and gives it a new OS disk; when it leads,
// Patroni first hands the leadership to a healthy synchronous standby, so writes pause for
// seconds instead of a failover's TTL.
namespace kiln::run {

struct LifecycleEvent {
    std::string node;
    std::string step;    // switchover, shutdown, disks, boot, streaming, healthy, done
    std::string detail;  // one line for people
    double seconds = 0;  // since the node's replacement began
};

struct LifecycleOptions {
    // From the boot to "streams from the leader again"; then the command fails with the reason.
    std::chrono::seconds node_timeout{std::chrono::minutes(30)};
    std::chrono::seconds shutdown_timeout{std::chrono::minutes(3)};
    std::function<void(const LifecycleEvent&)> progress;
};

struct Replacement {
    std::optional<std::filesystem::path> image;  // the new OS disk's image; none: the node's own
    bool new_os_disk = true;
    bool blank_data_disk = false;  // a drill for a lost data disk: the node rebuilds from peers
};

// Patroni's REST API of a `kiln run` cluster, reached inside its network namespace.
class PatroniApi {
public:
    explicit PatroniApi(const std::filesystem::path& state_dir);

    // The cluster as any answering node sees it, with the leader's view of who streams;
    // nullopt when no node answers.
    std::optional<ClusterView> view() const;
    std::size_t members() const { return nodes_.size(); }
    // Hands the leadership from `leader` to `candidate` and waits until the candidate leads.
    void switchover(const std::string& leader, const std::string& candidate) const;

private:
    std::string url(const std::string& node, const std::string& path) const;
    // A GET that tries HTTPS (verified against the cluster CA) first and plain HTTP after it
    // (an image baked with `tls: false`), keeping the scheme that answered.
    HttpResponse get(const NetnsHttp& http, const std::string& node, const std::string& path) const;

    std::optional<ClientCertificate> client_certificate() const;

    std::string netns_;
    std::filesystem::path pki_dir_;  // the cluster's CA, when kiln run made one
    std::string ca_file_;            // its certificate
    mutable bool https_ = true;
    mutable bool scheme_known_ = false;  // a node answered: the cluster's scheme is settled
    std::vector<std::pair<std::string, std::string>> nodes_;  // name, address
    std::string rest_password_;
};

// Replaces one node (see Replacement) and returns once it streams from the leader again.
void replace_node(const std::filesystem::path& state_dir, const std::string& name,
                  const Replacement& replacement, const LifecycleOptions& options);

// Replaces every node onto `image`, replicas first and the leader last, one at a time, each only
// once the cluster is healthy again.
void rolling_replace(const std::filesystem::path& state_dir, const std::filesystem::path& image,
                     const LifecycleOptions& options);

}  // namespace kiln::run
