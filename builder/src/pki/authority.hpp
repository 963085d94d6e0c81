#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kiln/openssl.hpp"

// The cluster's PKI: one certificate authority, kept by the operator in a folder of their own
// (so replacement nodes get certificates from the same authority), and per node a key and a
// certificate signed by it. Keys are EC P-256, made and signed by libcrypto.
namespace kiln::pki {

inline constexpr const char* kCaCertificateFile = "ca.crt";
inline constexpr const char* kCaKeyFile = "ca.key";
inline constexpr int kCaValidityDays = 3650;
inline constexpr int kNodeValidityDays = 825;

struct Authority {
    openssl::Certificate certificate;
    openssl::Key key;
    std::string certificate_pem;
};

// DIR/ca.crt and DIR/ca.key, made (DIR 0700, the key 0600) when neither exists. Throws
// InvalidInput when only one exists, when either does not parse or they do not match, and when
// the key is readable by its group or others.
Authority load_or_create_authority(const std::filesystem::path& dir, const std::string& cluster);

// What a node's certificate names: its hostname and addresses (subjectAltName), besides
// localhost and 127.0.0.1 for the services' own loopback clients.
struct NodeNames {
    std::string hostname;
    std::vector<std::string> addresses;  // IPs without prefix: the node's, the cluster's VIP
};

struct NodeCredentials {
    std::string certificate_pem;
    std::string key_pem;
};

// When a certificate is valid: from `starts_in` seconds from now (an hour ago by default: the
// clones' clocks may lag) until `days` days from now.
struct Validity {
    long starts_in = -3600;
    int days = kNodeValidityDays;
};

// A fresh key and a certificate for both TLS server and client use, with a random serial.
NodeCredentials issue_node_certificate(const Authority& authority, const NodeNames& names,
                                       const Validity& validity = {});

}  // namespace kiln::pki
