#include "pki/authority.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "kiln/atomic_file.hpp"
#include "kiln/error.hpp"
#include "kiln/regular_file.hpp"

namespace kiln::pki {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxPemBytes = 1 << 20;

[[noreturn]] void fail(const std::string& what) {
    throw Error(openssl::last_error(what));
}

openssl::Key new_key() {
    openssl::Key key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot make an EC P-256 key");
    return key;
}

void set_random_serial(X509* certificate) {
    // 159 random bits: positive and at most 20 octets, as RFC 5280 asks.
    unsigned char bytes[20];
    if (RAND_bytes(bytes, sizeof bytes) != 1) fail("cannot draw a random serial number");
    bytes[0] &= 0x7f;
    std::unique_ptr<BIGNUM, openssl::Deleter<BIGNUM, BN_free>> number(
        BN_bin2bn(bytes, sizeof bytes, nullptr));
    if (!number || !BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)))
        fail("cannot set a serial number");
}

void set_common_name(X509_NAME* name, const std::string& text) {
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(text.c_str()), -1, -1,
                                   0) != 1)
        fail("cannot set the common name '" + text + "'");
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, openssl::Deleter<X509_EXTENSION, X509_EXTENSION_free>>
        extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1)
        fail("cannot add the certificate extension '" + value + "'");
}

// A certificate for `key` named `subject`.
openssl::Certificate new_certificate(EVP_PKEY* key, const std::string& subject,
                                     const Validity& validity) {
    openssl::Certificate certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), 2) != 1)
        fail("cannot make a certificate");
    set_random_serial(certificate.get());
    if (!X509_gmtime_adj(X509_getm_notBefore(certificate.get()), validity.starts_in) ||
        !X509_time_adj_ex(X509_getm_notAfter(certificate.get()), validity.days, 0, nullptr))
        fail("cannot set the validity period");
    set_common_name(X509_get_subject_name(certificate.get()), subject);
    if (X509_set_pubkey(certificate.get(), key) != 1) fail("cannot set the public key");
    return certificate;
}

void sign(X509* certificate, EVP_PKEY* key) {
    if (X509_sign(certificate, key, EVP_sha256()) == 0) fail("cannot sign a certificate");
}

Authority create(const fs::path& dir, const std::string& cluster) {
    Authority ca;
    ca.key = new_key();
    ca.certificate =
        new_certificate(ca.key.get(), "kiln cluster CA " + cluster, {.days = kCaValidityDays});
    X509* c = ca.certificate.get();
    if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) fail("cannot set the issuer");
    add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(c, c, NID_subject_key_identifier, "hash");
    sign(c, ca.key.get());
    ca.certificate_pem = openssl::to_pem(c);

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw SystemError("cannot create the PKI folder " + dir.string(), ec.value());
    fs::permissions(dir, fs::perms::owner_all, ec);
    // The key first: a certificate alone is refused next time, a key alone too, never used.
    write_file_atomically(dir / kCaKeyFile, openssl::private_key_pem(ca.key.get()), 0600);
    write_file_atomically(dir / kCaCertificateFile, ca.certificate_pem, 0644);
    return ca;
}

std::string read_pem(const fs::path& path) {
    auto content = read_regular_file(path, kMaxPemBytes, "a PEM file's limit");
    if (auto* problem = std::get_if<FileProblem>(&content)) {
        if (problem->error) throw SystemError("cannot read " + path.string(), problem->error);
        throw InvalidInput(path.string() + " " + problem->message);
    }
    return std::get<std::string>(std::move(content));
}

Authority load(const fs::path& dir) {
    const fs::path key_path = dir / kCaKeyFile, cert_path = dir / kCaCertificateFile;
    struct stat st {};
    if (::stat(key_path.c_str(), &st) != 0)
        throw SystemError("cannot read the cluster CA key " + key_path.string(), errno);
    if (st.st_mode & 0077)
        throw InvalidInput("the cluster CA key " + key_path.string() +
                           " is readable by its group or others; chmod 600 it (anyone who reads "
                           "it can issue certificates the cluster trusts)");
    Authority ca;
    ca.certificate_pem = read_pem(cert_path);
    ca.certificate = openssl::read_certificate(ca.certificate_pem);
    if (!ca.certificate) throw InvalidInput(cert_path.string() + " holds no PEM certificate");
    ca.key = openssl::read_private_key(read_pem(key_path));
    if (!ca.key) throw InvalidInput(key_path.string() + " holds no unencrypted PEM private key");
    if (X509_check_private_key(ca.certificate.get(), ca.key.get()) != 1) {
        ERR_clear_error();
        throw InvalidInput(key_path.string() + " is not the key of the certificate " +
                           cert_path.string());
    }
    return ca;
}

}  // namespace

Authority load_or_create_authority(const fs::path& dir, const std::string& cluster) {
    bool has_key = fs::exists(dir / kCaKeyFile), has_cert = fs::exists(dir / kCaCertificateFile);
    if (!has_key && !has_cert) return create(dir, cluster);
    if (has_key != has_cert)
        throw InvalidInput("the PKI folder " + dir.string() + " holds " +
                           (has_key ? kCaKeyFile : kCaCertificateFile) + " without " +
                           (has_key ? kCaCertificateFile : kCaKeyFile) +
                           "; restore the missing file, or empty the folder to make a new CA "
                           "(every node then needs new metadata)");
    return load(dir);
}

NodeCredentials issue_node_certificate(const Authority& ca, const NodeNames& names,
                                       const Validity& validity) {
    openssl::Key key = new_key();
    openssl::Certificate certificate = new_certificate(key.get(), names.hostname, validity);
    X509* c = certificate.get();
    if (X509_set_issuer_name(c, X509_get_subject_name(ca.certificate.get())) != 1)
        fail("cannot set the issuer");
    std::string alt_names = "DNS:" + names.hostname + ",DNS:localhost";
    for (const auto& address : names.addresses) alt_names += ",IP:" + address;
    alt_names += ",IP:127.0.0.1";
    add_extension(c, ca.certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(c, ca.certificate.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
    // etcd peers and Patroni members are both servers and clients of each other.
    add_extension(c, ca.certificate.get(), NID_ext_key_usage, "serverAuth,clientAuth");
    add_extension(c, ca.certificate.get(), NID_subject_alt_name, alt_names);
    add_extension(c, ca.certificate.get(), NID_authority_key_identifier, "keyid:always");
    sign(c, ca.key.get());
    return {openssl::to_pem(c), openssl::private_key_pem(key.get())};
}

}  // namespace kiln::pki
