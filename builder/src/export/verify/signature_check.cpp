#include "export/verify/signature_check.hpp"

#include "export/signature.hpp"
#include "export/verify/limits.hpp"

namespace kiln::exporter::verify_detail {

void check_signature(int fd, const OvaLayout& layout, const std::string& manifest,
                     VerifyReport& report) {
    const TarMember* cert = layout.cert;
    const TarMember* mf = layout.mf;
    if (!mf) {
        report.fault("signature", "a .cert without a manifest");
        return;
    }
    auto certificate = read_member_text(fd, *cert, kMaxCertificateBytes, "signature", report);
    if (!certificate) return;
    SignatureCheck s = verify_manifest_signature(*certificate, manifest, mf->name);
    if (s.valid)
        report.ok("signature",
                  "the manifest signature verifies with " + s.subject +
                      (s.self_signed ? " (self-signed: vSphere will call it untrusted)" : ""));
    else
        report.fault("signature", cert->name + ": " + s.problem);
}

}  // namespace kiln::exporter::verify_detail
