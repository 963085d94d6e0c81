#include "export/verify.hpp"
#include "export/verify/input_file.hpp"
#include "export/verify/limits.hpp"
#include "export/verify/manifest_check.hpp"
#include "export/verify/member_order.hpp"
#include "export/verify/ovf_check.hpp"
#include "export/verify/signature_check.hpp"
#include "export/verify/tar_members.hpp"

namespace kiln::exporter {

using namespace verify_detail;

namespace {

// Every VMDK that References names holds a sound stream, of the capacity DiskSection declares.
// Each is checked once (check_ovf reports a second reference to one file).
void check_disks(int fd, const std::vector<TarMember>& members, const OvfFacts& facts,
                 VerifyReport& report) {
    for (const auto& [href, size] : facts.files) {
        const TarMember* member = find_member(members, href);
        if (!member || !href.ends_with(".vmdk")) continue;
        VmdkFacts v = check_stream_vmdk(fd, member->data, member->size, href, report);
        auto cap = facts.disk_capacity.find(href);
        if (v.capacity && cap != facts.disk_capacity.end() && cap->second != v.capacity)
            report.fault("ovf", "DiskSection capacity of " + href + " is " +
                                    std::to_string(cap->second) + " bytes, the VMDK holds " +
                                    std::to_string(v.capacity));
    }
}

}  // namespace

VerifyReport verify_vmdk(const std::filesystem::path& path) {
    VerifyReport report;
    report.path = path;
    InputFile file(path);
    check_stream_vmdk(file.fd(), 0, file.size(), path.filename().string(), report);
    return report;
}

VerifyReport verify_ova(const std::filesystem::path& path) {
    VerifyReport report;
    report.path = path;
    InputFile file(path);
    std::vector<TarMember> members = read_tar_members(file, report);
    if (members.empty()) {
        if (report.passed()) report.fault("tar", "the archive holds no members");
        return report;
    }
    check_ustar_members(members, report);

    OvaLayout layout = find_layout(members);
    bool order_ok = check_member_order(members, layout, report);
    if (!layout.mf) report.fault("manifest", "the OVA has no .mf manifest");

    OvfFacts facts;
    if (layout.ovf) {
        if (auto text = read_member_text(file.fd(), *layout.ovf, kMaxOvfBytes, "ovf", report))
            facts = check_ovf(*text, layout.ovf->name, report);
        if (!check_ovf_references(members, layout, facts, report)) order_ok = false;
    }
    if (order_ok) report.ok("order", layout.order);

    std::optional<std::string> manifest;
    if (layout.mf) {
        manifest = read_member_text(file.fd(), *layout.mf, kMaxManifestBytes, "manifest", report);
        if (manifest) check_manifest(file.fd(), members, layout, *manifest, report);
    }
    // A manifest over its limit is a fault already; its signature is not checked.
    if (layout.cert && (manifest || !layout.mf))
        check_signature(file.fd(), layout, manifest.value_or(""), report);
    check_disks(file.fd(), members, facts, report);
    return report;
}

}  // namespace kiln::exporter
