#include "export/profile_export.hpp"

#include "kiln/node_schema.hpp"
#include "plan/planner.hpp"

namespace kiln::exporter {

OvfSettings ovf_settings_for(const profile::Profile& p, const profile::Ovf& o) {
    return ovf_settings_for(plan::describe_ovf(p, &o));
}

OvfSettings ovf_settings_for(const plan::OvfDescription& d) {
    OvfSettings s;
    s.vm_name = d.vm_name.value;
    if (!d.os_type.value.empty()) s.os_type = d.os_type.value;
    s.vmx_version = d.vmx_version;
    s.cpus = d.cpus;
    s.memory_mb = d.memory_mb;
    if (!d.nic.value.empty()) s.nic = d.nic.value;
    if (!d.network.value.empty()) s.network = d.network.value;
    s.firmware = d.firmware == profile::Firmware::uefi ? "efi" : "bios";
    for (const auto& key : d.properties) s.properties.push_back(key.value);
    s.defaults = d.property_defaults;
    s.annotation = d.annotation.value;
    s.data_disk_bytes = d.data_disk_bytes.value;
    s.version = d.version.value;
    return s;
}

OvfSettings default_ovf_settings(const std::string& vm_name) {
    OvfSettings s;
    s.vm_name = vm_name;
    for (const auto& spec : node::keys()) s.properties.emplace_back(spec.name);
    return s;
}

ExportRequest request_for_output(const plan::WriteOutput& output, const std::filesystem::path& disk,
                                 const std::filesystem::path& output_dir) {
    ExportRequest r;
    r.source = disk;
    r.allow_external_files = true;  // kiln build's own disk: a layer over its verified base image
    r.output = output_dir / output.file.value;
    r.format = output.format;
    if (output.ovf) {
        r.base_name = output.ovf->base_name.value;
        r.ovf = ovf_settings_for(*output.ovf);
    }
    return r;
}

}  // namespace kiln::exporter
