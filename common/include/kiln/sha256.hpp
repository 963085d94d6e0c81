#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace kiln {

// Incremental SHA-256 (OpenSSL EVP); also the digest behind profile and plan digests.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    Sha256& update(std::span<const std::uint8_t> bytes);
    Sha256& update(std::string_view text);
    // Length-prefixed text, so that ("ab","c") and ("a","bc") hash differently.
    Sha256& field(std::string_view text);
    std::array<std::uint8_t, 32> finish();
    std::string hex_digest();

private:
    struct Context;
    std::unique_ptr<Context> context_;
};

std::string sha256_hex(std::string_view text);
std::string sha256_file_hex(const std::filesystem::path& path);  // throws SystemError
std::string to_hex(std::span<const std::uint8_t> bytes);
bool is_sha256_hex(std::string_view text);

}  // namespace kiln
