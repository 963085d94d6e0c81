#include "sources/encodings.hpp"

#include <zlib.h>

#include <array>

namespace kiln::firstboot {

std::variant<std::string, DecodeError> base64_decode(std::string_view text) {
    static constexpr auto table = [] {
        std::array<int, 256> t{};
        t.fill(-1);
        const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
        return t;
    }();
    std::string clean;
    clean.reserve(text.size());
    for (char c : text)
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean += c;
    if (clean.empty()) return DecodeError{"the base64 text is empty"};
    if (clean.size() % 4 != 0) return DecodeError{"invalid base64: length is not a multiple of 4"};
    std::size_t padding = 0;
    while (padding < 2 && clean.size() > padding && clean[clean.size() - 1 - padding] == '=')
        ++padding;
    std::string out;
    out.reserve(clean.size() / 4 * 3);
    unsigned buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < clean.size() - padding; ++i) {
        int v = table[static_cast<unsigned char>(clean[i])];
        if (v < 0)
            return DecodeError{"invalid base64: unexpected character at offset " +
                               std::to_string(i)};
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

std::variant<std::string, DecodeError> gunzip(std::string_view bytes, std::size_t limit) {
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 32) != Z_OK) return DecodeError{"cannot initialise zlib"};
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    std::string out;
    char buffer[16384];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        rc = inflate(&stream, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&stream);
            return DecodeError{rc == Z_BUF_ERROR
                                   ? "gzip data is truncated"
                                   : std::string("invalid gzip data") +
                                         (stream.msg ? std::string(": ") + stream.msg : "")};
        }
        out.append(buffer, sizeof buffer - stream.avail_out);
        if (out.size() > limit) {
            inflateEnd(&stream);
            return DecodeError{"gzip data decompresses to more than " + std::to_string(limit) +
                               " bytes"};
        }
    }
    // Whatever follows the stream (a second gzip member, stray bytes) would be ignored silently.
    std::size_t trailing = stream.avail_in;
    inflateEnd(&stream);
    if (trailing > 0)
        return DecodeError{"gzip data is followed by " + std::to_string(trailing) +
                           " more bytes after its end"};
    return out;
}

std::variant<std::string, DecodeError> decode_metadata(std::string_view encoding,
                                                       std::string_view payload,
                                                       std::size_t limit) {
    if (encoding.empty()) {
        if (payload.size() > limit)
            return DecodeError{"metadata is larger than " + std::to_string(limit) + " bytes"};
        return std::string(payload);
    }
    bool gz = encoding == "gzip+base64" || encoding == "gz+b64";
    if (!gz && encoding != "base64" && encoding != "b64")
        return DecodeError{"unknown encoding '" + std::string(encoding) +
                           "' (expected base64, b64, gzip+base64 or gz+b64)"};
    if (payload.size() > 4 * limit) return DecodeError{"encoded metadata is too large"};
    auto decoded = base64_decode(payload);
    if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
    auto& bytes = std::get<std::string>(decoded);
    if (!gz) {
        if (bytes.size() > limit)
            return DecodeError{"metadata is larger than " + std::to_string(limit) + " bytes"};
        return bytes;
    }
    return gunzip(bytes, limit);
}

}  // namespace kiln::firstboot
