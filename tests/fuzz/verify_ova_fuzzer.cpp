// `kiln verify` of an OVA: the USTAR walk, member order, the manifest, the signature, the OVF
// descriptor against the members, and every VMDK stream; then both report forms.
#include <nlohmann/json.hpp>

#include "export/verify.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static kiln_fuzz::Scratch scratch("verify-ova");
    auto path = scratch.write("node.ova", kiln_fuzz::as_text(data, size));
    try {
        auto report = kiln::exporter::verify_ova(path);
        report.format();
        report.to_json().dump();
    } catch (const kiln::Error&) {
        // a refusal kiln reports as such, not a crash
    }
    return 0;
}
