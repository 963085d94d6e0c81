#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

// Decoding of cloud-init's guestinfo.metadata by guestinfo.metadata.encoding.
namespace kiln::firstboot {

// Bytes a decoded document may grow to (a gzip bomb stops here).
inline constexpr std::size_t kMaxDecodedBytes = 1 << 20;

struct DecodeError {
    std::string message;
};

// encoding: "" (plain), base64, b64, gzip+base64, gz+b64.
std::variant<std::string, DecodeError> decode_metadata(std::string_view encoding,
                                                       std::string_view payload,
                                                       std::size_t limit = kMaxDecodedBytes);

std::variant<std::string, DecodeError> base64_decode(std::string_view text);
std::variant<std::string, DecodeError> gunzip(std::string_view bytes, std::size_t limit);

}  // namespace kiln::firstboot
