#include "export/verify/tar_members.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "export/verify/limits.hpp"

namespace kiln::exporter::verify_detail {

namespace {

std::optional<std::uint64_t> octal(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    std::size_t i = 0;
    while (i < n && p[i] == ' ') ++i;
    bool any = false;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) v = v * 8 + (p[i] - '0'), any = true;
    for (; i < n; ++i)
        if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
    return any ? std::optional(v) : std::optional<std::uint64_t>(0);
}

std::string field(const std::uint8_t* p, std::size_t n) {
    std::size_t len = 0;
    while (len < n && p[len]) ++len;
    return std::string(reinterpret_cast<const char*>(p), len);
}

}  // namespace

std::vector<TarMember> read_tar_members(const InputFile& file, VerifyReport& report) {
    std::vector<TarMember> members;
    std::uint64_t at = 0;
    std::uint8_t h[512];
    bool ended = false;
    while (at + 512 <= file.size()) {
        if (!read_at(file.fd(), at, h, 512)) break;
        if (std::all_of(h, h + 512, [](std::uint8_t b) { return b == 0; })) {
            ended = true;
            break;
        }
        if (members.size() == kMaxMembers) {
            report.fault("tar", "the archive holds more than " + std::to_string(kMaxMembers) +
                                    " members (kiln verify's limit)");
            return {};
        }
        unsigned sum = 0;
        for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
        auto stored = octal(h + 148, 8);
        if (!stored || *stored != sum) {
            report.fault("tar", "the header at byte " + std::to_string(at) +
                                    " has a bad checksum (not a tar archive, or damaged)");
            return {};
        }
        if (std::memcmp(h + 257,
                        "ustar\0"
                        "00",
                        8) != 0)
            report.fault("tar", "the header at byte " + std::to_string(at) +
                                    " is not USTAR ('ustar\\0' '00')");
        TarMember m;
        std::string prefix = field(h + 345, 155);
        m.name = (prefix.empty() ? "" : prefix + "/") + field(h, 100);
        m.type = static_cast<char>(h[156]);
        auto size = octal(h + 124, 12);
        m.uid = octal(h + 108, 8).value_or(~0ULL);
        m.gid = octal(h + 116, 8).value_or(~0ULL);
        if (!size) {
            report.fault("tar", "member '" + m.name + "' has an unreadable size");
            return {};
        }
        m.size = *size;
        m.header = at;
        m.data = at + 512;
        if (m.data + m.size > file.size()) {
            report.fault("tar", "member '" + m.name + "' is truncated (" + std::to_string(m.size) +
                                    " bytes announced, the file ends first)");
            return {};
        }
        members.push_back(m);
        at = m.data + (m.size + 511) / 512 * 512;
    }
    if (!ended) report.fault("tar", "the archive has no end-of-archive blocks (truncated?)");
    return members;
}

std::optional<std::string> read_member_text(int fd, const TarMember& member, std::uint64_t limit,
                                            const std::string& check, VerifyReport& report) {
    if (member.size > limit) {
        report.fault(check, member.name + " is " + std::to_string(member.size) +
                                " bytes, more than the limit of " + std::to_string(limit));
        return std::nullopt;
    }
    return read_string(fd, member.data, member.size);
}

const TarMember* find_member(const std::vector<TarMember>& members, const std::string& name) {
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const TarMember& m) { return m.name == name; });
    return it == members.end() ? nullptr : &*it;
}

void check_ustar_members(const std::vector<TarMember>& members, VerifyReport& report) {
    bool tar_ok = report.passed();
    std::map<std::string, std::size_t> times;
    for (const auto& m : members) ++times[m.name];
    for (const auto& [name, n] : times)
        if (n > 1) {
            report.fault("tar", "member '" + name + "' appears " + std::to_string(n) +
                                    " times (a digest reads the first, tar x keeps the last)");
            tar_ok = false;
        }
    for (const auto& m : members) {
        if (m.type != '0' && m.type != '\0') {
            report.fault("tar", "member '" + m.name + "' is not a regular file (type '" +
                                    std::string(1, m.type) + "')");
            tar_ok = false;
        }
        if (m.name.find('/') != std::string::npos) {
            report.fault("tar", "member '" + m.name + "' is not a flat name");
            tar_ok = false;
        }
        if (m.uid != 0 || m.gid != 0)
            report.warning("tar", "member '" + m.name + "' is not owned by uid/gid 0");
    }
    if (tar_ok) report.ok("tar", std::to_string(members.size()) + " USTAR members");
}

}  // namespace kiln::exporter::verify_detail
