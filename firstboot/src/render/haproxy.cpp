#include "render/render.hpp"
#include "render/tls_files.hpp"

namespace kiln::firstboot {

namespace {

std::string backend(const NodeConfig& n, const char* name, int port, const char* endpoint) {
    std::string text = "\nlisten " + std::string(name) + "\n";
    text += "    bind *:" + std::to_string(port) + "\n";
    if (std::string_view(name) == "replicas") text += "    balance roundrobin\n";
    text += "    option httpchk OPTIONS " + std::string(endpoint) + "\n";
    text += "    http-check expect status 200\n";
    // A server out of service (a replica in the primary backend, the leader in the replicas
    // one) or changing state is checked every interval, so a new leader is routed to within
    // one; a server in service every three. Each check costs Patroni a TLS handshake, a thread
    // and a PostgreSQL query: checking every server every second kept TCG guests busy enough
    // that handshakes outlasted the check's time (haproxy's connect timeout for a check is
    // at most `inter`, so the longer one also gives slow handshakes room).
    const failover::Timing& timing = n.image.failover;
    const int every = timing.haproxy_check_interval;
    text += "    default-server inter " + std::to_string(3 * every) + "s fastinter " +
            std::to_string(every) + "s downinter " + std::to_string(every) + "s fall " +
            std::to_string(timing.haproxy_fall) + " rise " + std::to_string(timing.haproxy_rise) +
            " on-marked-down shutdown-sessions\n";
    // With TLS, the checks ask Patroni's HTTPS API and verify its certificate against the
    // cluster CA: a member whose certificate fails is down, never trusted unverified.
    const std::string check_tls =
        n.tls ? " check-ssl verify required ca-file " + tls_files::kCa.string() : "";
    for (const auto& p : n.peers)
        text += "    server " + p.name + " " + url_host(p.address) +
                ":5432 maxconn 100 check port 8008" + check_tls + "\n";
    return text;
}

}  // namespace

// haproxy on every node: port 5000 to the leader (Patroni answers 200 on /primary only
// there), 5001 to the replicas, stats on 7000. Health endpoints need no REST password.
void render_haproxy(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    std::string text =
        "# Written by kiln-firstboot: routes to the Patroni leader and replicas of '" + n.cluster +
        "'.\n"
        "global\n"
        "    maxconn 1000\n"
        "    log /dev/log local0\n"
        "\n"
        "defaults\n"
        "    log global\n"
        "    mode tcp\n"
        "    retries 2\n"
        "    timeout client 30m\n"
        "    timeout connect 4s\n"
        "    timeout server 30m\n"
        "    timeout check 5s\n"
        "\n"
        "listen stats\n"
        "    mode http\n"
        "    bind *:7000\n"
        "    stats enable\n"
        "    stats uri /\n";
    text += backend(n, "primary", 5000, "/primary");
    text += backend(n, "replicas", 5001, "/replica");
    RenderedFile file{"/etc/haproxy/haproxy.cfg", text};
    file.checker = Checker::haproxy;
    out.files.push_back(std::move(file));
}

}  // namespace kiln::firstboot
