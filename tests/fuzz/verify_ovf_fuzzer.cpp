// `kiln verify`'s OVF descriptor check on its own (XML, References, DiskSection capacities,
// VirtualSystem), and the references against a fixed member list.
#include <nlohmann/json.hpp>

#include "export/verify/member_order.hpp"
#include "export/verify/ovf_check.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"

using namespace kiln::exporter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    VerifyReport report;
    try {
        auto facts = verify_detail::check_ovf(std::string(kiln_fuzz::as_text(data, size)),
                                              "node.ovf", report);
        std::vector<verify_detail::TarMember> members = {{"node.ovf", 0, 512, 4096},
                                                         {"node.mf", 5120, 5632, 200},
                                                         {"node-disk1.vmdk", 6144, 6656, 65536}};
        auto layout = verify_detail::find_layout(members);
        verify_detail::check_ovf_references(members, layout, facts, report);
    } catch (const kiln::Error&) {
        // a refusal kiln reports as such, not a crash
    }
    report.format();
    report.to_json().dump();
    return 0;
}
