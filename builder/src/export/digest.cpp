#include "export/digest.hpp"

#include <openssl/evp.h>

#include "kiln/error.hpp"
#include "kiln/sha256.hpp"

namespace kiln::exporter {

struct Digest::Context {
    EVP_MD_CTX* ctx = nullptr;
    ~Context() { EVP_MD_CTX_free(ctx); }
};

std::size_t hex_length(DigestKind kind) {
    return kind == DigestKind::sha1 ? 40 : 64;
}

Digest::Digest(DigestKind kind) : kind_(kind), context_(std::make_unique<Context>()) {
    context_->ctx = EVP_MD_CTX_new();
    const EVP_MD* md = kind == DigestKind::sha1 ? EVP_sha1() : EVP_sha256();
    if (!context_->ctx || EVP_DigestInit_ex(context_->ctx, md, nullptr) != 1)
        throw Error("cannot initialise " + to_string(kind));
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(std::span<const std::uint8_t> bytes) {
    EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
}

void Digest::update(std::string_view text) {
    EVP_DigestUpdate(context_->ctx, text.data(), text.size());
}

std::string Digest::hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_->ctx, out, &length);
    return to_hex(std::span<const std::uint8_t>(out, length));
}

std::string digest_hex(DigestKind kind, std::string_view bytes) {
    Digest d(kind);
    d.update(bytes);
    return d.hex();
}

}  // namespace kiln::exporter
