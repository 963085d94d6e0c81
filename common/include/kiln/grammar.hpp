#pragma once

#include <optional>
#include <string>
#include <string_view>

// Value grammars shared by the profile model and node metadata. Each check returns an
// explanation of what is wrong, or nullopt when the value is valid.
namespace kiln::grammar {

using Problem = std::optional<std::string>;

Problem hostname(std::string_view value);    // RFC 1123, 1-253 chars, labels 1-63
Problem ip_address(std::string_view value);  // IPv4 or IPv6 literal
Problem cidr(std::string_view value);        // address/prefix
Problem host(std::string_view value);        // hostname or IP address
Problem url(std::string_view value);         // http, https, ftp or file URL
Problem unit_name(std::string_view value);   // systemd unit, e.g. "etcd" or "etcd.service"
Problem user_name(std::string_view value);   // POSIX-ish user/group name or a numeric id
Problem file_mode(std::string_view value);   // octal, 3 or 4 digits
Problem interface_name(std::string_view value);
Problem ssh_public_key(std::string_view value);  // "type base64 [comment]", blob names its type
Problem single_line(std::string_view value);     // no control characters at all
Problem time_zone(std::string_view value);       // Area/City shape, or UTC
Problem locale(std::string_view value);          // ll_CC.UTF-8, C.UTF-8, POSIX
Problem package_name(std::string_view value);    // Debian or RPM package name, optional =version
// Well-formed UTF-8 (no stray continuation byte, overlong form, surrogate, code point above
// U+10FFFF or truncated sequence); the message names the offset, never the text.
Problem utf8(std::string_view value);

std::optional<long long> parse_integer(std::string_view value);
// "8G", "512MiB", "10240M", "1T" (binary units) -> bytes
std::optional<unsigned long long> parse_size(std::string_view value);

// Case-insensitive edit distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace kiln::grammar
