#include "metadata/transport_limits.hpp"

#include "kiln/node_schema.hpp"

namespace kiln::metadata {

namespace {

constexpr std::size_t kGuestinfoValueBytes = 64 * 1024;
// What the OVF environment document adds around each property, besides its key and value
// (<Property oe:key="kiln." oe:value="..."/> and indentation) and in all (the envelope).
constexpr std::size_t kOvfEnvPerProperty = 48;
constexpr std::size_t kOvfEnvEnvelope = 2048;

std::string too_large(const std::string& what, std::size_t bytes, const std::string& transport) {
    return what + " is " + std::to_string(bytes) + " bytes, more than the " +
           std::to_string(kGuestinfoValueBytes) +
           " bytes a guestinfo value holds (transport: " + transport + ")";
}

}  // namespace

std::vector<std::string> transport_problems(Format format, const Values& values) {
    std::vector<std::string> problems;
    switch (format) {
        case Format::guestinfo:
        case Format::govc:
        case Format::terraform:
            for (const auto& [key, value] : values)
                if (value.size() > kGuestinfoValueBytes)
                    problems.push_back(too_large("'" + key + "'", value.size(),
                                                 std::string(node::kGuestinfoPrefix) + key));
            break;
        case Format::ovf_properties: {
            // vSphere hands the whole OVF environment to the guest as one guestinfo value.
            std::size_t total = kOvfEnvEnvelope;
            for (const auto& [key, value] : values)
                total += key.size() + value.size() + kOvfEnvPerProperty;
            if (total > kGuestinfoValueBytes)
                problems.push_back(too_large("the OVF environment", total, "guestinfo.ovfEnv"));
            break;
        }
        case Format::cloud_init: {
            std::size_t size = gzip_base64(document_yaml(values)).size();
            if (size > kGuestinfoValueBytes)
                problems.push_back(too_large("the encoded metadata", size, "guestinfo.metadata"));
            break;
        }
        case Format::fw_cfg:
            break;  // a file: only the schema's per-value limit, checked when the value was read
    }
    return problems;
}

}  // namespace kiln::metadata
