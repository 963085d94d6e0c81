// `kiln verify` of a streamOptimized VMDK on its own: header, descriptor, markers, grain
// directory and tables, every grain; then both report forms.
#include <nlohmann/json.hpp>

#include "export/verify.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static kiln_fuzz::Scratch scratch("verify-vmdk");
    auto path = scratch.write("disk.vmdk", kiln_fuzz::as_text(data, size));
    try {
        auto report = kiln::exporter::verify_vmdk(path);
        report.format();
        report.to_json().dump();
    } catch (const kiln::Error&) {
        // a refusal kiln reports as such, not a crash
    }
    return 0;
}
