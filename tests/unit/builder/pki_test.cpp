// The cluster PKI of kiln metadata / kiln run: a CA made once in the operator's folder and
// reused, refused when its key is exposed or half missing, and node certificates that chain to
// it and name what the node answers on.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness.hpp"
#include "kiln/error.hpp"
#include "kiln/openssl.hpp"
#include "metadata/transport_limits.hpp"
#include "pki/authority.hpp"
#include "pki/cluster_tls.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

// Whether `certificate` chains to `ca` (X509_verify_cert, as kiln-firstboot checks it).
bool chains_to(X509* certificate, X509* ca) {
    openssl::Store store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca);
    openssl::StoreContext context(X509_STORE_CTX_new());
    X509_STORE_CTX_init(context.get(), store.get(), certificate, nullptr);
    return X509_verify_cert(context.get()) == 1;
}

// Days from now to the certificate's notAfter.
int days_left(X509* certificate) {
    int days = 0, seconds = 0;
    ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate));
    return days;
}

std::string serial_of(X509* certificate) {
    std::unique_ptr<BIGNUM, openssl::Deleter<BIGNUM, BN_free>> number(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
    char* hex = BN_bn2hex(number.get());
    std::string text = hex;
    OPENSSL_free(hex);
    return text;
}

class Pki : public ::testing::Test {
protected:
    kiln_test::Scratch scratch_{"pki"};
    fs::path dir() const { return scratch_.path / "pg.pki"; }
};

TEST_F(Pki, TheCaIsMadeOnceWithAPrivateKeyAndThenReused) {
    pki::Authority made = pki::load_or_create_authority(dir(), "pg");
    EXPECT_EQ(mode_of(dir()), 0700u);
    EXPECT_EQ(mode_of(dir() / "ca.key"), 0600u);
    EXPECT_EQ(mode_of(dir() / "ca.crt"), 0644u);
    EXPECT_EQ(X509_check_ca(made.certificate.get()), 1);
    EXPECT_GE(days_left(made.certificate.get()), pki::kCaValidityDays - 1);
    EXPECT_LE(days_left(made.certificate.get()), pki::kCaValidityDays);

    pki::Authority reused = pki::load_or_create_authority(dir(), "pg");
    EXPECT_EQ(reused.certificate_pem, made.certificate_pem);
    // A node certificate issued from the reused CA chains to the first one.
    auto node = pki::issue_node_certificate(reused, {"pg1", {"10.0.0.11"}});
    EXPECT_TRUE(
        chains_to(openssl::read_certificate(node.certificate_pem).get(), made.certificate.get()));
}

TEST_F(Pki, AGroupOrWorldReadableCaKeyIsRefused) {
    pki::load_or_create_authority(dir(), "pg");
    fs::permissions(dir() / "ca.key", fs::perms::group_read, fs::perm_options::add);
    try {
        pki::load_or_create_authority(dir(), "pg");
        FAIL() << "a group-readable CA key was used";
    } catch (const InvalidInput& e) {
        EXPECT_NE(std::string(e.what()).find("ca.key is readable by its group or others; chmod "
                                             "600 it"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(Pki, AHalfMissingOrForeignCaIsRefused) {
    pki::load_or_create_authority(dir(), "pg");
    fs::path other = scratch_.path / "other.pki";
    pki::load_or_create_authority(other, "other");
    fs::copy_file(other / "ca.key", dir() / "ca.key", fs::copy_options::overwrite_existing);
    EXPECT_THROW(
        {
            try {
                pki::load_or_create_authority(dir(), "pg");
            } catch (const InvalidInput& e) {
                EXPECT_NE(std::string(e.what()).find("is not the key of the certificate"),
                          std::string::npos)
                    << e.what();
                throw;
            }
        },
        InvalidInput);

    fs::remove(dir() / "ca.crt");
    try {
        pki::load_or_create_authority(dir(), "pg");
        FAIL() << "a CA key without its certificate was replaced";
    } catch (const InvalidInput& e) {
        EXPECT_NE(std::string(e.what()).find("holds ca.key without ca.crt"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(fs::exists(dir() / "ca.key")) << "the key is never overwritten";
}

TEST_F(Pki, ANodeCertificateNamesTheNodeItsAddressesAndLoopbackAndIsBounded) {
    pki::Authority ca = pki::load_or_create_authority(dir(), "pg");
    inventory::Inventory inv;
    inv.cluster = "pg";
    inv.vip = "10.0.0.100/24";
    inventory::Node node{"pg1", "10.0.0.11/24", 100, "pg1-1", {}};
    std::map<std::string, std::string> values;
    pki::add_node_tls(ca, inv, node, values);
    ASSERT_EQ(values.size(), 3u);
    EXPECT_EQ(values["tls_ca"], ca.certificate_pem);

    auto certificate = openssl::read_certificate(values["tls_cert"]);
    auto key = openssl::read_private_key(values["tls_key"]);
    ASSERT_TRUE(certificate && key);
    EXPECT_EQ(X509_check_private_key(certificate.get(), key.get()), 1);
    EXPECT_TRUE(chains_to(certificate.get(), ca.certificate.get()));
    EXPECT_EQ(X509_check_ca(certificate.get()), 0) << "a node certificate cannot sign";
    for (const char* ip : {"10.0.0.11", "10.0.0.100", "127.0.0.1"})
        EXPECT_EQ(X509_check_ip_asc(certificate.get(), ip, 0), 1) << ip;
    EXPECT_NE(X509_check_ip_asc(certificate.get(), "10.0.0.12", 0), 1);
    for (const char* host : {"pg1", "localhost"})
        EXPECT_EQ(X509_check_host(certificate.get(), host, 0, 0, nullptr), 1) << host;
    EXPECT_GE(days_left(certificate.get()), pki::kNodeValidityDays - 1);
    EXPECT_LE(days_left(certificate.get()), pki::kNodeValidityDays);
    EXPECT_EQ(X509_cmp_current_time(X509_get0_notBefore(certificate.get())), -1)
        << "valid already (an hour's slack for a lagging clock)";

    auto again = pki::issue_node_certificate(ca, {"pg1", {"10.0.0.11"}});
    auto second = openssl::read_certificate(again.certificate_pem);
    EXPECT_NE(serial_of(second.get()), serial_of(certificate.get())) << "serials are random";
    EXPECT_NE(again.key_pem, values["tls_key"]) << "every issue makes a new key";
}

TEST(TransportLimits, AValueOverAGuestinfoValuesLimitIsNamedWithItsTransport) {
    metadata::Values values = {{"tls_cert", std::string(70 * 1024, 'A')}};
    auto guestinfo = metadata::transport_problems(metadata::Format::govc, values);
    ASSERT_EQ(guestinfo.size(), 1u);
    EXPECT_EQ(guestinfo[0],
              "'tls_cert' is 71680 bytes, more than the 65536 bytes a guestinfo value holds "
              "(transport: guestinfo.kiln.tls_cert)");
    auto ovf = metadata::transport_problems(metadata::Format::ovf_properties, values);
    ASSERT_EQ(ovf.size(), 1u);
    EXPECT_NE(ovf[0].find("(transport: guestinfo.ovfEnv)"), std::string::npos) << ovf[0];
    EXPECT_TRUE(metadata::transport_problems(metadata::Format::fw_cfg, values).empty());
    EXPECT_TRUE(
        metadata::transport_problems(metadata::Format::guestinfo, {{"tls_cert", "short"}}).empty());
}

}  // namespace
