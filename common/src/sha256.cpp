#include "kiln/sha256.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln {

struct Sha256::Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
    if (!context_->ctx || EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) != 1)
        throw Error("cannot initialise SHA-256");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256& Sha256::update(std::span<const std::uint8_t> bytes) {
    EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
    return *this;
}

Sha256& Sha256::update(std::string_view text) {
    EVP_DigestUpdate(context_->ctx, text.data(), text.size());
    return *this;
}

Sha256& Sha256::field(std::string_view text) {
    std::uint64_t size = text.size();
    std::uint8_t prefix[8];
    for (int i = 0; i < 8; ++i) prefix[i] = static_cast<std::uint8_t>(size >> (8 * i));
    update(std::span<const std::uint8_t>(prefix, 8));
    return update(text);
}

std::array<std::uint8_t, 32> Sha256::finish() {
    std::array<std::uint8_t, 32> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_->ctx, digest.data(), &length);
    return digest;
}

std::string Sha256::hex_digest() {
    auto digest = finish();
    return to_hex(digest);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view text) {
    return Sha256().update(text).hex_digest();
}

std::string sha256_file_hex(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw SystemError("cannot open " + path.string(), errno);
    Sha256 hash;
    std::vector<std::uint8_t> buffer(1 << 20);
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError("cannot read " + path.string(), errno);
        }
        if (n == 0) break;
        hash.update(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
    }
    return hash.hex_digest();
}

bool is_sha256_hex(std::string_view text) {
    if (text.size() != 64) return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    return true;
}

}  // namespace kiln
