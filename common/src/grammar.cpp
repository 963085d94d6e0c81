#include "kiln/grammar.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

#include "kiln/utf8.hpp"

namespace kiln::grammar {

namespace {

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool all_of(std::string_view s, auto predicate) {
    return std::all_of(s.begin(), s.end(), predicate);
}

std::string quoted(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[(c >> 4) & 15];
            out += hex[c & 15];
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    for (char c : text)
        if (!(is_alnum(c) || c == '+' || c == '/' || c == '=')) return std::nullopt;
    std::vector<unsigned char> out(text.size() / 4 * 3);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    std::size_t padding = 0;
    if (text.ends_with("=="))
        padding = 2;
    else if (text.ends_with("="))
        padding = 1;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

}  // namespace

Problem single_line(std::string_view value) {
    for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "contains a control character (line break, tab or similar): " + quoted(value);
    return std::nullopt;
}

Problem utf8(std::string_view value) {
    if (auto offset = invalid_utf8_offset(value))
        return "is not valid UTF-8 (at byte " + std::to_string(*offset) + ")";
    return std::nullopt;
}

Problem hostname(std::string_view value) {
    if (value.empty()) return "a hostname cannot be empty";
    if (auto problem = single_line(value)) return problem;
    if (value.size() > 253) return "hostname " + quoted(value) + " is longer than 253 characters";
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t end = value.find('.', start);
        if (end == std::string_view::npos) end = value.size();
        std::string_view label = value.substr(start, end - start);
        if (label.empty() || label.size() > 63)
            return "hostname " + quoted(value) + " has a label of " + std::to_string(label.size()) +
                   " characters (RFC 1123 allows 1 to 63)";
        if (!all_of(label, [](char c) { return is_alnum(c) || c == '-'; }))
            return "hostname " + quoted(value) +
                   " may contain only letters, digits, '-' and '.' (RFC 1123)";
        if (label.front() == '-' || label.back() == '-')
            return "hostname " + quoted(value) + " has a label that starts or ends with '-'";
        start = end + 1;
    }
    return std::nullopt;
}

Problem ip_address(std::string_view value) {
    std::string text(value);
    unsigned char buffer[16];
    if (inet_pton(AF_INET, text.c_str(), buffer) == 1) return std::nullopt;
    if (inet_pton(AF_INET6, text.c_str(), buffer) == 1) return std::nullopt;
    return quoted(value) + " is not an IPv4 or IPv6 address";
}

Problem cidr(std::string_view value) {
    auto slash = value.find('/');
    if (slash == std::string_view::npos)
        return quoted(value) + " is not in CIDR form (address/prefix, e.g. 10.0.0.10/24)";
    std::string_view address = value.substr(0, slash);
    if (ip_address(address)) return quoted(value) + " does not start with a valid IP address";
    int max = address.find(':') == std::string_view::npos ? 32 : 128;
    auto prefix = parse_integer(value.substr(slash + 1));
    if (!prefix || *prefix < 0 || *prefix > max)
        return quoted(value) + " has a prefix length outside 0-" + std::to_string(max);
    return std::nullopt;
}

Problem host(std::string_view value) {
    if (!ip_address(value)) return std::nullopt;
    if (hostname(value)) return quoted(value) + " is neither a hostname nor an IP address";
    return std::nullopt;
}

Problem url(std::string_view value) {
    if (auto problem = single_line(value)) return problem;
    static constexpr std::array schemes = {"http://", "https://", "ftp://", "file://"};
    for (std::string_view scheme : schemes) {
        if (value.starts_with(scheme) && value.size() > scheme.size()) {
            if (value.find(' ') != std::string_view::npos)
                return "URL " + quoted(value) + " contains a space";
            return std::nullopt;
        }
    }
    return quoted(value) + " is not an http, https, ftp or file URL";
}

Problem unit_name(std::string_view value) {
    static constexpr std::array suffixes = {".service", ".socket", ".timer", ".target",
                                            ".path",    ".mount",  ".slice"};
    if (value.empty()) return "a unit name cannot be empty";
    std::string_view stem = value;
    for (std::string_view suffix : suffixes)
        if (value.ends_with(suffix)) stem = value.substr(0, value.size() - suffix.size());
    if (stem.empty() || stem.size() > 200 || !all_of(stem, [](char c) {
            return is_alnum(c) || std::string_view(":-_.\\@").find(c) != std::string_view::npos;
        }))
        return quoted(value) + " is not a valid systemd unit name";
    return std::nullopt;
}

Problem user_name(std::string_view value) {
    if (!value.empty() && all_of(value, is_digit)) return std::nullopt;
    if (value.empty() || value.size() > 32 ||
        !(std::islower(static_cast<unsigned char>(value[0])) || value[0] == '_') ||
        !all_of(value, [](char c) {
            return std::islower(static_cast<unsigned char>(c)) || is_digit(c) || c == '_' ||
                   c == '-';
        }))
        return quoted(value) + " is not a valid user or group name (or numeric id)";
    return std::nullopt;
}

Problem file_mode(std::string_view value) {
    if ((value.size() == 3 || value.size() == 4) &&
        all_of(value, [](char c) { return c >= '0' && c <= '7'; }))
        return std::nullopt;
    return "mode " + quoted(value) + " is not an octal file mode such as 0644 or 0755";
}

Problem interface_name(std::string_view value) {
    if (value.empty() || value.size() > 15 || value == "." || value == ".." ||
        !all_of(value, [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; }))
        return quoted(value) + " is not a valid network interface name (1-15 of A-Z a-z 0-9 . _ -)";
    return std::nullopt;
}

Problem ssh_public_key(std::string_view value) {
    static constexpr std::array types = {"ssh-ed25519",
                                         "ssh-rsa",
                                         "ecdsa-sha2-nistp256",
                                         "ecdsa-sha2-nistp384",
                                         "ecdsa-sha2-nistp521",
                                         "sk-ssh-ed25519@openssh.com",
                                         "sk-ecdsa-sha2-nistp256@openssh.com"};
    if (auto problem = single_line(value)) return "SSH key " + *problem;
    auto space = value.find(' ');
    std::string_view type = value.substr(0, space);
    if (std::find(types.begin(), types.end(), type) == types.end())
        return "SSH key type " + quoted(type) +
               " is not one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521 or the sk- types";
    if (space == std::string_view::npos)
        return "SSH key of type " + std::string(type) + " has no key data";
    std::string_view rest = value.substr(space + 1);
    std::string_view data = rest.substr(0, rest.find(' '));
    auto blob = base64_decode(data);
    if (!blob)
        return "SSH key of type " + std::string(type) + " has key data that is not valid base64";
    // The blob starts with its own type as a length-prefixed string.
    if (blob->size() < 4 + type.size())
        return "SSH key data is too short for a " + std::string(type) + " key";
    std::size_t length = (std::size_t{(*blob)[0]} << 24) | (std::size_t{(*blob)[1]} << 16) |
                         (std::size_t{(*blob)[2]} << 8) | std::size_t{(*blob)[3]};
    std::string_view inner(reinterpret_cast<const char*>(blob->data()) + 4,
                           std::min(length, blob->size() - 4));
    if (inner != type)
        return "SSH key data is for " + quoted(inner) + ", not the declared type " +
               std::string(type);
    return std::nullopt;
}

Problem time_zone(std::string_view value) {
    if (value == "UTC") return std::nullopt;
    if (value.empty() || value.front() == '/' || value.find("..") != std::string_view::npos ||
        !all_of(value, [](char c) {
            return is_alnum(c) || std::string_view("/_+-").find(c) != std::string_view::npos;
        }))
        return quoted(value) + " is not a time zone name such as Europe/Berlin or UTC";
    return std::nullopt;
}

Problem locale(std::string_view value) {
    if (value == "C" || value == "POSIX" || value == "C.UTF-8") return std::nullopt;
    // ll_CC[.charset][@modifier]
    bool ok =
        value.size() >= 5 && std::islower(static_cast<unsigned char>(value[0])) &&
        std::islower(static_cast<unsigned char>(value[1])) &&
        all_of(value,
               [](char c) {
                   return is_alnum(c) || std::string_view("_.-@").find(c) != std::string_view::npos;
               }) &&
        value.find('_') != std::string_view::npos;
    if (!ok) return quoted(value) + " is not a locale name such as en_US.UTF-8";
    return std::nullopt;
}

Problem package_name(std::string_view value) {
    std::string_view name = value.substr(0, value.find('='));
    if (name.empty() || !is_alnum(name.front()) || !all_of(name, [](char c) {
            return is_alnum(c) || std::string_view("+-._:").find(c) != std::string_view::npos;
        }))
        return quoted(value) + " is not a valid package name";
    if (name.size() != value.size()) {
        std::string_view version = value.substr(name.size() + 1);
        if (version.empty() || !all_of(version, [](char c) {
                return is_alnum(c) || std::string_view("+-.~:_").find(c) != std::string_view::npos;
            }))
            return quoted(value) + " has an invalid version after '='";
    }
    return std::nullopt;
}

std::optional<long long> parse_integer(std::string_view value) {
    long long result = 0;
    if (value.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return result;
}

std::optional<unsigned long long> parse_size(std::string_view value) {
    std::size_t digits = 0;
    while (digits < value.size() && is_digit(value[digits])) ++digits;
    if (digits == 0 || digits > 15) return std::nullopt;
    unsigned long long number = std::stoull(std::string(value.substr(0, digits)));
    std::string unit(value.substr(digits));
    static const std::array<std::pair<const char*, int>, 5> units = {
        {{"", 0}, {"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}}};
    for (auto [name, shift] : units) {
        std::string base = name;
        if (unit == base || (!base.empty() && (unit == base + "iB" || unit == base + "B"))) {
            if (shift > 0 && number > (~0ULL >> shift)) return std::nullopt;
            return number << shift;
        }
    }
    return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace kiln::grammar
