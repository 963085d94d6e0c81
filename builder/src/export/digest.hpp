#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "kiln/enum_names.hpp"

namespace kiln::exporter {

// Named as in a manifest line: "SHA256(disk.vmdk)= ...".
enum class DigestKind { sha256, sha1 };
constexpr auto name_table(DigestKind) {
    using enum DigestKind;
    return std::to_array<EnumName<DigestKind>>({{sha256, "SHA256"}, {sha1, "SHA1"}});
}

std::size_t hex_length(DigestKind kind);  // 64 / 40

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
