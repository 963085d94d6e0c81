#include "export/ovf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "kiln/join.hpp"
#include "kiln/node_schema.hpp"

namespace kiln::exporter {

namespace {

constexpr const char* kOvfNs = "http://schemas.dmtf.org/ovf/envelope/1";
constexpr const char* kRasdNs =
    "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";
constexpr const char* kVssdNs =
    "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData";
constexpr const char* kVmwNs = "http://www.vmware.com/schema/ovf";

pugi::xml_node text_child(pugi::xml_node parent, const char* name, const std::string& text) {
    pugi::xml_node n = parent.append_child(name);
    n.text().set(text.c_str());
    return n;
}

std::string nic_subtype(const std::string& nic) {
    if (nic == "e1000") return "E1000";
    if (nic == "e1000e") return "E1000e";
    return "VmxNet3";
}

}  // namespace

int cim_os_id(const std::string& t) {
    if (t.rfind("debian", 0) == 0) return 96;   // Debian 64-Bit
    if (t.rfind("centos", 0) == 0) return 107;  // CentOS 64-Bit
    if (t.rfind("rhel", 0) == 0) return 80;     // RedHat Enterprise Linux 64-Bit
    if (t.rfind("ubuntu", 0) == 0) return 94;   // Ubuntu 64-Bit
    return 101;                                 // Linux 64-Bit
}

std::vector<std::string> check_ovf_settings(const OvfSettings& s) {
    std::vector<std::string> problems;
    if (s.vm_name.empty()) problems.push_back("the VM name is empty");
    if (s.vmx_version < 4 || s.vmx_version > 21)
        problems.push_back("vmx version " + std::to_string(s.vmx_version) + " is outside 4-21");
    if (s.cpus < 1 || s.cpus > 128)
        problems.push_back("CPU count " + std::to_string(s.cpus) + " is outside 1-128");
    if (s.memory_mb < 4 || s.memory_mb % 4 != 0)
        problems.push_back("memory " + std::to_string(s.memory_mb) +
                           " MB is not a positive multiple of 4");
    if (s.nic != "vmxnet3" && s.nic != "e1000" && s.nic != "e1000e")
        problems.push_back("NIC '" + s.nic + "' is not one of vmxnet3, e1000, e1000e");
    if (s.scsi != "lsilogic" && s.scsi != "pvscsi")
        problems.push_back("SCSI controller '" + s.scsi + "' is not one of lsilogic, pvscsi");
    if (s.firmware != "bios" && s.firmware != "efi")
        problems.push_back("firmware '" + s.firmware + "' is not one of bios, efi");
    std::set<std::string> seen;
    for (const auto& key : s.properties) {
        const node::KeySpec* spec = node::find_key(key);
        if (!spec)
            problems.push_back("'" + key + "' is not a node key");
        else if (!seen.insert(key).second)
            problems.push_back("property '" + key + "' is listed twice");
    }
    for (const auto& [key, value] : s.defaults) {
        const node::KeySpec* spec = node::find_key(key);
        if (spec && spec->is_secret())
            problems.push_back("secret '" + key + "' cannot have a default");
    }
    return problems;
}

std::string make_ovf(const OvfSettings& s, const OvfDisk& disk, const OvfDisk* data_disk) {
    if ((s.data_disk_bytes > 0) != (data_disk != nullptr))
        throw std::logic_error("make_ovf: the data disk's VMDK and its size go together");
    pugi::xml_document doc;
    pugi::xml_node decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";

    pugi::xml_node env = doc.append_child("Envelope");
    env.append_attribute("xmlns") = kOvfNs;
    env.append_attribute("xmlns:ovf") = kOvfNs;
    env.append_attribute("xmlns:rasd") = kRasdNs;
    env.append_attribute("xmlns:vssd") = kVssdNs;
    env.append_attribute("xmlns:vmw") = kVmwNs;
    env.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";

    pugi::xml_node refs = env.append_child("References");
    pugi::xml_node file = refs.append_child("File");
    file.append_attribute("ovf:href") = disk.file.c_str();
    file.append_attribute("ovf:id") = "file1";
    file.append_attribute("ovf:size") = std::to_string(disk.file_size).c_str();
    if (data_disk) {
        pugi::xml_node file2 = refs.append_child("File");
        file2.append_attribute("ovf:href") = data_disk->file.c_str();
        file2.append_attribute("ovf:id") = "file2";
        file2.append_attribute("ovf:size") = std::to_string(data_disk->file_size).c_str();
    }

    pugi::xml_node disks = env.append_child("DiskSection");
    text_child(disks, "Info", "Virtual disk information");
    pugi::xml_node d = disks.append_child("Disk");
    d.append_attribute("ovf:capacity") = std::to_string(disk.capacity).c_str();
    d.append_attribute("ovf:capacityAllocationUnits") = "byte";
    d.append_attribute("ovf:diskId") = "vmdisk1";
    d.append_attribute("ovf:fileRef") = "file1";
    d.append_attribute("ovf:format") = kStreamOptimizedUri;
    d.append_attribute("ovf:populatedSize") = std::to_string(disk.populated).c_str();
    if (data_disk) {
        pugi::xml_node data = disks.append_child("Disk");
        data.append_attribute("ovf:capacity") = std::to_string(data_disk->capacity).c_str();
        data.append_attribute("ovf:capacityAllocationUnits") = "byte";
        data.append_attribute("ovf:diskId") = "vmdisk2";
        data.append_attribute("ovf:fileRef") = "file2";
        data.append_attribute("ovf:format") = kStreamOptimizedUri;
        data.append_attribute("ovf:populatedSize") = "0";
    }

    pugi::xml_node nets = env.append_child("NetworkSection");
    text_child(nets, "Info", "The list of logical networks");
    pugi::xml_node net = nets.append_child("Network");
    net.append_attribute("ovf:name") = s.network.c_str();
    text_child(net, "Description", "The " + s.network + " network");

    pugi::xml_node vs = env.append_child("VirtualSystem");
    vs.append_attribute("ovf:id") = s.vm_name.c_str();
    text_child(vs, "Info", "A virtual machine");
    text_child(vs, "Name", s.vm_name);

    if (!s.annotation.empty()) {
        pugi::xml_node notes = vs.append_child("AnnotationSection");
        text_child(notes, "Info", "A human-readable annotation");
        text_child(notes, "Annotation", s.annotation);
    }

    pugi::xml_node os = vs.append_child("OperatingSystemSection");
    os.append_attribute("ovf:id") = cim_os_id(s.os_type);
    os.append_attribute("vmw:osType") = s.os_type.c_str();
    text_child(os, "Info", "The kind of installed guest operating system");

    pugi::xml_node hw = vs.append_child("VirtualHardwareSection");
    hw.append_attribute("ovf:transport") = "com.vmware.guestInfo";
    text_child(hw, "Info", "Virtual hardware requirements");
    pugi::xml_node sys = hw.append_child("System");
    text_child(sys, "vssd:ElementName", "Virtual Hardware Family");
    text_child(sys, "vssd:InstanceID", "0");
    text_child(sys, "vssd:VirtualSystemIdentifier", s.vm_name);
    text_child(sys, "vssd:VirtualSystemType", "vmx-" + std::to_string(s.vmx_version));

    // RASD items, one per device; children in the CIM schema's (alphabetical) order.
    const std::string cpus = std::to_string(s.cpus), memory = std::to_string(s.memory_mb);
    const std::string nic = nic_subtype(s.nic);
    std::vector<std::map<std::string, std::string>> items = {
        {{"AllocationUnits", "hertz * 10^6"},
         {"Description", "Number of Virtual CPUs"},
         {"ElementName", cpus + " virtual CPU(s)"},
         {"InstanceID", "1"},
         {"ResourceType", "3"},
         {"VirtualQuantity", cpus}},
        {{"AllocationUnits", "byte * 2^20"},
         {"Description", "Memory Size"},
         {"ElementName", memory + "MB of memory"},
         {"InstanceID", "2"},
         {"ResourceType", "4"},
         {"VirtualQuantity", memory}},
        {{"Address", "0"},
         {"Description", "SCSI Controller"},
         {"ElementName", "SCSI Controller 0"},
         {"InstanceID", "3"},
         {"ResourceSubType", s.scsi == "pvscsi" ? "VirtualSCSI" : "lsilogic"},
         {"ResourceType", "6"}},
        {{"AddressOnParent", "0"},
         {"ElementName", "Hard Disk 1"},
         {"HostResource", "ovf:/disk/vmdisk1"},
         {"InstanceID", "4"},
         {"Parent", "3"},
         {"ResourceType", "17"}},
        {{"AddressOnParent", "7"},
         {"AutomaticAllocation", "true"},
         {"Connection", s.network},
         {"Description", nic + " ethernet adapter on \"" + s.network + "\""},
         {"ElementName", "Ethernet 1"},
         {"InstanceID", "5"},
         {"ResourceSubType", nic},
         {"ResourceType", "10"}},
    };
    if (data_disk)
        items.push_back({{"AddressOnParent", "1"},
                         {"ElementName", "Hard Disk 2"},
                         {"HostResource", "ovf:/disk/vmdisk2"},
                         {"InstanceID", "6"},
                         {"Parent", "3"},
                         {"ResourceType", "17"}});
    for (const auto& fields : items) {
        pugi::xml_node item = hw.append_child("Item");
        for (const auto& [name, value] : fields) text_child(item, ("rasd:" + name).c_str(), value);
    }

    auto config = [&](const char* key, const std::string& value) {
        pugi::xml_node c = hw.append_child("vmw:Config");
        c.append_attribute("ovf:required") = "false";
        c.append_attribute("vmw:key") = key;
        c.append_attribute("vmw:value") = value.c_str();
    };
    config("firmware", s.firmware);
    config("tools.syncTimeWithHost", "false");
    config("tools.toolsUpgradePolicy", "manual");

    if (!s.properties.empty()) {
        pugi::xml_node product = vs.append_child("ProductSection");
        text_child(product, "Info", "Per-node settings read by kiln-firstboot on first boot");
        text_child(product, "Product", s.product);
        text_child(product, "Vendor", "kiln");
        if (!s.version.empty()) text_child(product, "Version", s.version);
        for (const auto& key : s.properties) {
            const node::KeySpec* spec = node::find_key(key);
            if (!spec) continue;  // rejected by check_ovf_settings
            pugi::xml_node p = product.append_child("Property");
            p.append_attribute("ovf:key") = ("kiln." + key).c_str();
            p.append_attribute("ovf:type") = "string";
            if (spec->type == node::ValueType::choice) {
                auto quoted = [](std::string_view choice) { return fmt::format("\"{}\"", choice); };
                p.append_attribute("ovf:qualifiers") =
                    fmt::format("ValueMap{{{}}}", join_mapped(spec->choices, ",", quoted)).c_str();
            } else if (spec->type == node::ValueType::integer) {
                std::string digits = std::to_string(std::to_string(spec->max).size());
                p.append_attribute("ovf:qualifiers") = ("MinLen(0) MaxLen(" + digits + ")").c_str();
            }
            p.append_attribute("ovf:userConfigurable") = "true";
            std::string value;
            if (auto it = s.defaults.find(key); it != s.defaults.end() && !spec->is_secret())
                value = it->second;
            else if (spec->type == node::ValueType::choice && !spec->choices.empty())
                value = std::string(spec->choices.front());
            p.append_attribute("ovf:value") = value.c_str();
            if (spec->is_secret()) p.append_attribute("ovf:password") = "true";
            text_child(p, "Label", std::string(spec->label));
            text_child(p, "Description", std::string(spec->description));
        }
    }

    std::ostringstream out;
    doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
    return out.str();
}

}  // namespace kiln::exporter
