// The OVF environment (guestinfo.ovfEnv, or ovf-env.xml on the ISO transport's CD) as
// kiln-firstboot reads it: XML with kiln.<key> properties, then validated and rendered.
#include "firstboot_stages.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"
#include "sources/ovf_env.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto collection = kiln_fuzz::new_collection();
    try {
        kiln::firstboot::read_ovf_environment(
            "guestinfo.ovfEnv", std::string(kiln_fuzz::as_text(data, size)), collection);
        kiln_fuzz::validate_and_render(collection);
    } catch (const kiln::Error&) {
        // a refusal kiln-firstboot reports as such, not a crash
    }
    return 0;
}
