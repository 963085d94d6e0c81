#include "export/verify/manifest_check.hpp"

#include <set>

#include "export/digest.hpp"
#include "export/ova_manifest.hpp"
#include "export/verify/input_file.hpp"

namespace kiln::exporter::verify_detail {

namespace {

std::string hex_short(const std::string& hex) {
    return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex;
}

std::string member_digest(int fd, const TarMember& m, DigestKind kind) {
    Digest d(kind);
    std::vector<std::uint8_t> buffer(4u << 20);
    for (std::uint64_t done = 0; done < m.size;) {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), m.size - done));
        if (!read_at(fd, m.data + done, buffer.data(), n)) return {};
        d.update({buffer.data(), n});
        done += n;
    }
    return d.hex();
}

}  // namespace

void check_manifest(int fd, const std::vector<TarMember>& members, const OvaLayout& layout,
                    const std::string& manifest, VerifyReport& report) {
    const TarMember* mf = layout.mf;
    std::vector<std::string> problems;
    std::vector<ManifestEntry> entries = parse_manifest(manifest, problems);
    for (const auto& p : problems) report.fault("manifest", mf->name + " " + p);
    std::set<std::string> listed;
    bool digests_ok = problems.empty();
    for (const auto& e : entries) {
        if (!listed.insert(e.name).second) {
            report.fault("manifest", e.name + " is listed twice");
            digests_ok = false;
            continue;
        }
        const TarMember* member = find_member(members, e.name);
        if (!member) {
            report.fault("manifest",
                         "the manifest lists '" + e.name + "', which the OVA does not contain");
            digests_ok = false;
            continue;
        }
        std::string actual = member_digest(fd, *member, e.kind);
        if (actual != e.hex) {
            report.fault("manifest", to_string(e.kind) + " of " + e.name + " is " +
                                         hex_short(actual) + ", the manifest says " +
                                         hex_short(e.hex));
            digests_ok = false;
        }
        if (e.kind == DigestKind::sha1)
            report.warning("manifest", e.name + " uses SHA1 (vSphere 7+ rejects it)");
    }
    for (const auto& m : members)
        if (&m != mf && &m != layout.cert && !listed.count(m.name)) {
            report.fault("manifest", m.name + " is not in the manifest");
            digests_ok = false;
        }
    if (digests_ok) report.ok("manifest", std::to_string(entries.size()) + " digests match");
}

}  // namespace kiln::exporter::verify_detail
