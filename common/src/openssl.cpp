#include "kiln/openssl.hpp"

#include <openssl/pem.h>

#include "kiln/error.hpp"

namespace kiln::openssl {

namespace {

Memory memory_reading(std::string_view text) {
    return Memory(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string drain(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

std::string last_error(std::string_view fallback) {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return std::string(fallback);
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

Certificate read_certificate(std::string_view pem) {
    auto bio = memory_reading(pem);
    Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return certificate;
}

Key read_private_key(std::string_view pem) {
    auto bio = memory_reading(pem);
    // An empty passphrase: an encrypted key fails instead of prompting on the terminal.
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
    ERR_clear_error();
    return key;
}

std::string to_pem(X509* certificate) {
    Memory bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1)
        throw Error(last_error("cannot write a certificate as PEM"));
    return drain(bio.get());
}

std::string private_key_pem(EVP_PKEY* key) {
    Memory bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw Error(last_error("cannot write a private key as PEM"));
    return drain(bio.get());
}

}  // namespace kiln::openssl
