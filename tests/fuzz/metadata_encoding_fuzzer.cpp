// cloud-init's guestinfo.metadata as kiln-firstboot decodes it: the first byte picks
// guestinfo.metadata.encoding, the rest is the payload (base64 text, gzip+base64 text, or a
// plain document); a decoded document is then read, validated and rendered. The gzip reader is
// also fed the raw payload, with a small limit.
#include "firstboot_stages.hpp"
#include "fuzz_input.hpp"
#include "kiln/error.hpp"
#include "sources/encodings.hpp"

namespace {

const char* const kEncodings[] = {"", "base64", "b64", "gzip+base64", "gz+b64", "gzip", "rot13"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view encoding = kEncodings[data[0] % std::size(kEncodings)];
    std::string_view payload = kiln_fuzz::as_text(data + 1, size - 1);
    kiln::firstboot::gunzip(payload, 4096);
    auto decoded = kiln::firstboot::decode_metadata(encoding, payload);
    auto* document = std::get_if<std::string>(&decoded);
    if (!document) return 0;
    auto collection = kiln_fuzz::new_collection();
    try {
        add_document("guestinfo.metadata", *document, kiln::firstboot::Transport::cloud_init,
                     collection);
        kiln_fuzz::validate_and_render(collection);
    } catch (const kiln::Error&) {
        // a refusal kiln-firstboot reports as such, not a crash
    }
    return 0;
}
