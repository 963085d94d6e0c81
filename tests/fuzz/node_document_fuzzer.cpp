// The node-metadata document (cloud-init keys and a `kiln:` map, YAML or JSON) as
// kiln-firstboot reads it from --metadata, fw_cfg or a decoded guestinfo.metadata, then
// validated and rendered.
#include "firstboot_stages.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto collection = kiln_fuzz::new_collection();
    try {
        add_document("metadata.yml", std::string(kiln_fuzz::as_text(data, size)),
                     kiln::firstboot::Transport::file, collection);
        kiln_fuzz::validate_and_render(collection);
    } catch (const kiln::Error&) {
        // a refusal kiln-firstboot reports as such, not a crash
    }
    return 0;
}
