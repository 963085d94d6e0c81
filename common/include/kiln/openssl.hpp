#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <string_view>

// Owning handles for the libcrypto objects kiln makes and reads (the cluster PKI in kiln
// metadata, the certificate checks of kiln-firstboot), and PEM in and out of std::string.
namespace kiln::openssl {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};

using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreContext = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using Memory = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

// The oldest error libcrypto queued (then the queue is cleared), or `fallback`.
std::string last_error(std::string_view fallback);

// nullptr when `pem` holds no certificate / private key of that kind (the error queue is
// cleared: the caller words the problem).
Certificate read_certificate(std::string_view pem);
Key read_private_key(std::string_view pem);

std::string to_pem(X509* certificate);
std::string private_key_pem(EVP_PKEY* key);  // PKCS#8, unencrypted

}  // namespace kiln::openssl
