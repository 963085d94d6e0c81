#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace kiln::exporter {

enum class DigestKind { sha256, sha1 };

std::string manifest_name(DigestKind kind);  // "SHA256" / "SHA1", as in a manifest line
std::size_t hex_length(DigestKind kind);     // 64 / 40

// Incremental digest through OpenSSL EVP; SHA-1 only for the old-ESXi manifest option.
class Digest {
public:
    explicit Digest(DigestKind kind);
    ~Digest();
    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;

    void update(std::span<const std::uint8_t> bytes);
    void update(std::string_view text);
    std::string hex();  // finishes the digest
    DigestKind kind() const { return kind_; }

private:
    struct Context;
    DigestKind kind_;
    std::unique_ptr<Context> context_;
};

std::string digest_hex(DigestKind kind, std::string_view bytes);

}  // namespace kiln::exporter
