#include "validate/tls.hpp"

#include <openssl/x509v3.h>

#include "kiln/openssl.hpp"

namespace kiln::firstboot {

namespace {

std::string time_text(const ASN1_TIME* time) {
    openssl::Memory bio(BIO_new(BIO_s_mem()));
    if (!bio || ASN1_TIME_print(bio.get(), time) != 1) return "(unreadable time)";
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

class TlsCheck {
public:
    TlsCheck(const Value& ca, const Value& certificate, const Value& key, Report& report)
        : ca_(ca), cert_(certificate), key_(key), report_(report) {}

    void run(const TlsIdentity& node) {
        auto ca = openssl::read_certificate(ca_.text);
        if (!ca) error(ca_, "does not parse as a PEM certificate");
        auto certificate = openssl::read_certificate(cert_.text);
        if (!certificate) error(cert_, "does not parse as a PEM certificate");
        auto key = openssl::read_private_key(key_.text);
        if (!key) error(key_, "does not parse as an unencrypted PEM private key");
        if (ca && X509_check_ca(ca.get()) < 1)
            error(ca_, "is not a certificate authority's certificate (no CA basic constraint)");
        if (certificate && key && X509_check_private_key(certificate.get(), key.get()) != 1) {
            ERR_clear_error();
            error(key_, "is not the private key of the certificate in " + describe(cert_));
        }
        if (!certificate) return;
        if (ca) chain(certificate.get(), ca.get());
        names(certificate.get(), node);
    }

private:
    void error(const Value& v, const std::string& message) {
        report_.error(v.where, describe(v) + ": " + message);
    }

    void chain(X509* certificate, X509* ca) {
        openssl::Store store(X509_STORE_new());
        openssl::StoreContext context(X509_STORE_CTX_new());
        if (!store || !context || X509_STORE_add_cert(store.get(), ca) != 1 ||
            X509_STORE_CTX_init(context.get(), store.get(), certificate, nullptr) != 1) {
            error(cert_, openssl::last_error("cannot set up the certificate check"));
            return;
        }
        if (X509_verify_cert(context.get()) == 1) return;
        int code = X509_STORE_CTX_get_error(context.get());
        ERR_clear_error();
        const X509* at = X509_STORE_CTX_get_current_cert(context.get());
        const Value& culprit = at && X509_cmp(at, ca) == 0 ? ca_ : cert_;
        if (code == X509_V_ERR_CERT_HAS_EXPIRED)
            error(culprit, "expired on " + time_text(X509_get0_notAfter(at ? at : certificate)) +
                               " (this machine's clock is part of the check)");
        else if (code == X509_V_ERR_CERT_NOT_YET_VALID)
            error(culprit, "is not valid before " +
                               time_text(X509_get0_notBefore(at ? at : certificate)) +
                               " (is this machine's clock behind?)");
        else
            error(cert_, "does not chain to the CA in " + describe(ca_) + ": " +
                             X509_verify_cert_error_string(code));
    }

    void names(X509* certificate, const TlsIdentity& node) {
        if (!node.address.empty() && X509_check_ip_asc(certificate, node.address.c_str(), 0) != 1)
            error(cert_, "does not name this node's address " + node.address +
                             " (no IP entry for it in its subjectAltName)");
        bool named = false;
        for (const auto* name : {&node.hostname, &node.short_name})
            named =
                named || X509_check_host(certificate, name->c_str(), name->size(), 0, nullptr) == 1;
        if (!named)
            error(cert_, "does not name this node's hostname " + node.hostname +
                             " (no DNS entry for it in its subjectAltName)");
        ERR_clear_error();
    }

    const Value& ca_;
    const Value& cert_;
    const Value& key_;
    Report& report_;
};

}  // namespace

void check_node_tls(const Value& ca, const Value& certificate, const Value& key,
                    const TlsIdentity& node, Report& report) {
    TlsCheck(ca, certificate, key, report).run(node);
}

}  // namespace kiln::firstboot
