#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "export/digest.hpp"

namespace kiln::exporter {

// The `.cert` member VMware reads: "SHA256(NAME.mf)= <hex signature of the manifest>\n"
// followed by the signer's PEM certificate.
std::string sign_manifest(std::string_view manifest, const std::string& manifest_name,
                          DigestKind kind, const std::filesystem::path& key_pem,
                          const std::filesystem::path& cert_pem);

struct SignatureCheck {
    bool valid = false;
    std::string problem;  // set when !valid
    std::string subject;  // the certificate's subject
    bool self_signed = false;
};

SignatureCheck verify_manifest_signature(std::string_view cert_member, std::string_view manifest,
                                         const std::string& manifest_name);

}  // namespace kiln::exporter
