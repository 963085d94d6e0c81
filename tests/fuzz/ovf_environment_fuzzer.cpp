// The OVF environment (guestinfo.ovfEnv, or ovf-env.xml on the ISO transport's CD) as
// kiln-firstboot reads it: XML with kiln.<key> properties, then validated and rendered; and the
// same document rewritten without its secret properties (as every boot scrubs it).
#include "firstboot_stages.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"
#include "sources/ovf_env.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto collection = kiln_fuzz::new_collection();
    const std::string xml(kiln_fuzz::as_text(data, size));
    try {
        kiln::firstboot::without_secret_properties(xml);
        kiln::firstboot::read_ovf_environment("guestinfo.ovfEnv", xml, collection);
        kiln_fuzz::validate_and_render(collection);
    } catch (const kiln::Error&) {
        // a refusal kiln-firstboot reports as such, not a crash
    }
    return 0;
}
