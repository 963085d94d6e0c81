#include "sources/guestinfo_keys.hpp"

#include "kiln/node_schema.hpp"
#include "sources/encodings.hpp"

namespace kiln::firstboot {

namespace {
bool absent(const std::optional<std::string>& value) {
    return !value || value->empty() || *value == node::kScrubbedValue;
}
}  // namespace

void read_guestinfo_keys(GuestInfo& guestinfo, Collection& out) {
    std::size_t found = 0;
    for (const auto& spec : node::keys()) {
        std::string name = std::string(node::kGuestinfoPrefix) + std::string(spec.name);
        auto value = guestinfo.get(name);
        if (!guestinfo.usable()) return;
        if (absent(value)) continue;
        ++found;
        if (spec.is_secret()) out.guestinfo_secret_keys.push_back(name);
        out.metadata.add(
            {std::string(spec.name), std::move(*value), Transport::guestinfo, Location{name}});
    }
    if (found) out.transports_found.push_back("guestinfo keys (" + std::to_string(found) + ")");
}

void read_cloud_init_metadata(GuestInfo& guestinfo, Collection& out) {
    auto payload = guestinfo.get("guestinfo.metadata");
    if (absent(payload)) return;
    auto encoding = guestinfo.get("guestinfo.metadata.encoding");
    std::string enc = absent(encoding) ? "" : *encoding;
    auto decoded = decode_metadata(enc, *payload);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        out.report.error(Location{"guestinfo.metadata"},
                         "cloud-init metadata (encoding '" + enc +
                             "' from guestinfo.metadata.encoding): " + error->message);
        return;
    }
    std::size_t before = out.metadata.all().size();
    add_document("guestinfo.metadata", std::get<std::string>(decoded), Transport::cloud_init, out);
    for (std::size_t i = before; i < out.metadata.all().size(); ++i)
        if (node::find_key(out.metadata.all()[i].key)->is_secret()) {
            out.guestinfo_secret_keys.push_back("guestinfo.metadata");
            if (!enc.empty()) out.guestinfo_secret_keys.push_back("guestinfo.metadata.encoding");
            break;
        }
    out.transports_found.push_back("guestinfo.metadata" +
                                   (enc.empty() ? std::string() : " (" + enc + ")"));
}

}  // namespace kiln::firstboot
