#pragma once

#include <string>

#include "core/metadata.hpp"
#include "kiln/diagnostics.hpp"

namespace kiln::firstboot {

// The names a node's certificate must cover.
struct TlsIdentity {
    std::string hostname;
    std::string short_name;
    std::string address;  // this node's peer address
};

// The node's TLS metadata against each other, the node and the clock: each PEM parses, the CA
// is a CA, the certificate chains to it (X509_verify_cert) and is in its validity period,
// matches the key (X509_check_private_key), names the node's address (X509_check_ip_asc) and
// its hostname. Each problem names the key and its transport; the key is never quoted.
void check_node_tls(const Value& ca, const Value& certificate, const Value& key,
                    const TlsIdentity& node, Report& report);

}  // namespace kiln::firstboot
