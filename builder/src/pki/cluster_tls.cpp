#include "pki/cluster_tls.hpp"

namespace kiln::pki {

namespace {
std::string without_prefix(const std::string& cidr) {
    return cidr.substr(0, cidr.find('/'));
}
}  // namespace

std::filesystem::path default_pki_dir(const std::filesystem::path& beside,
                                      const std::string& cluster) {
    return beside / (cluster + ".pki");
}

void add_node_tls(const Authority& authority, const inventory::Inventory& inventory,
                  const inventory::Node& node, std::map<std::string, std::string>& secrets) {
    NodeCredentials issued = issue_node_certificate(
        authority, {node.name, {without_prefix(node.address), without_prefix(inventory.vip)}});
    secrets["tls_ca"] = authority.certificate_pem;
    secrets["tls_cert"] = std::move(issued.certificate_pem);
    secrets["tls_key"] = std::move(issued.key_pem);
}

}  // namespace kiln::pki
