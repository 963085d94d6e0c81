#include "export/profile_export.hpp"

#include "kiln/node_schema.hpp"

namespace kiln::exporter {

OvfSettings ovf_settings_for(const profile::Profile& p, const profile::Ovf& o) {
    OvfSettings s;
    s.vm_name = o.vm_name.value.empty() ? p.name.value : o.vm_name.value;
    if (!o.os_type.value.empty()) s.os_type = o.os_type.value;
    s.vmx_version = o.vmx_version;
    s.cpus = o.cpus;
    s.memory_mb = o.memory_mb;
    if (!o.nic.value.empty()) s.nic = o.nic.value;
    if (!o.network.value.empty()) s.network = o.network.value;
    s.firmware = p.disk.firmware == profile::Firmware::uefi ? "efi" : "bios";
    for (const auto& key : o.properties) s.properties.push_back(key.value);
    for (const auto& [key, value] : p.firstboot.defaults) {
        const node::KeySpec* spec = node::find_key(key);
        if (spec && !spec->is_secret()) s.defaults[key] = value.value;
    }
    if (!p.firstboot.dcs.value.empty() && !s.defaults.count("dcs"))
        s.defaults["dcs"] = p.firstboot.dcs.value;
    s.annotation = p.description.value;
    return s;
}

OvfSettings default_ovf_settings(const std::string& vm_name) {
    OvfSettings s;
    s.vm_name = vm_name;
    for (const auto& spec : node::keys()) s.properties.emplace_back(spec.name);
    return s;
}

ExportRequest request_for_output(const profile::Profile& p, const profile::Output& output,
                                 const std::filesystem::path& disk,
                                 const std::filesystem::path& output_dir) {
    ExportRequest r;
    r.source = disk;
    r.allow_external_files = true;  // kiln build's own disk: a layer over its verified base image
    r.output = output_dir / output.file.value;
    switch (output.format) {
        case profile::OutputFormat::qcow2:
            r.format = ExportFormat::qcow2;
            break;
        case profile::OutputFormat::vmdk:
            r.format = ExportFormat::vmdk;
            break;
        case profile::OutputFormat::ova:
            r.format = ExportFormat::ova;
            break;
    }
    r.base_name = p.name.value;
    if (output.ovf)
        r.ovf = ovf_settings_for(p, *output.ovf);
    else
        r.ovf = default_ovf_settings(p.name.value);
    return r;
}

}  // namespace kiln::exporter
