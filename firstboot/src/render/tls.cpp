#include "kiln/dcs.hpp"
#include "render/render.hpp"
#include "render/tls_files.hpp"

namespace kiln::firstboot {

namespace {

// The node's certificate and key for one service: the key 0600, owned by the service's user.
void add_service_files(const NodeConfig& n, const std::string& service, const std::string& user,
                       Rendering& out) {
    const auto files = tls_files::for_service(service);
    out.dirs.push_back({tls_files::kDir / service, 0755, "root", "root"});
    RenderedFile certificate{files.certificate, n.tls_cert, 0644};
    certificate.staged_for_checks = true;
    out.files.push_back(std::move(certificate));
    RenderedFile key{files.key, n.tls_key, 0600, user, ""};
    key.secret = true;
    key.staged_for_checks = true;
    out.files.push_back(std::move(key));
}

}  // namespace

void render_tls(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    if (!n.tls) return;
    out.dirs.push_back({tls_files::kDir, 0755, "root", "root"});
    RenderedFile ca{tls_files::kCa, n.tls_ca, 0644};
    ca.staged_for_checks = true;
    out.files.push_back(std::move(ca));
    add_service_files(n, "postgres", c.layout.postgres_user, out);
    if (n.dcs == "etcd") add_service_files(n, "etcd", std::string(dcs::find("etcd")->account), out);
}

}  // namespace kiln::firstboot
