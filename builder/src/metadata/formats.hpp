#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "inventory/inventory.hpp"
#include "kiln/enum_names.hpp"

// Per-node metadata in the shape each deployment tool takes it.
namespace kiln::metadata {

enum class Format { guestinfo, govc, terraform, ovf_properties, cloud_init, fw_cfg };
constexpr auto name_table(Format) {
    using enum Format;
    return std::to_array<EnumName<Format>>({{guestinfo, "guestinfo"},
                                            {govc, "govc"},
                                            {terraform, "terraform"},
                                            {ovf_properties, "ovf-properties"},
                                            {cloud_init, "cloud-init"},
                                            {fw_cfg, "fw_cfg"}});
}

struct File {
    std::string name;  // plain file name, prefixed with the node's name
    std::string content;
    unsigned mode = 0600;  // every file here may carry secrets
};

using Values = std::vector<std::pair<std::string, std::string>>;  // node key -> text form

std::vector<File> render(Format format, const std::string& node_name, const Values& values,
                         const std::string& network_name = "VM Network");

// The metadata document (cloud-init keys + a `kiln:` map), as kiln-firstboot reads it from
// --metadata FILE, fw_cfg opt/kiln/metadata or a decoded guestinfo.metadata.
std::string document_yaml(const Values& values);
std::string gzip_base64(const std::string& data);
// VMware .vmx value escaping: '|' followed by two hex digits for '"', '|', '#' and controls.
std::string vmx_escape(const std::string& value);

}  // namespace kiln::metadata
