#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// The OVF 1.x descriptor of a kiln node: one virtual system, one streamOptimized disk (plus the
// node's data disk when the profile declares one, shipped as an empty streamOptimized VMDK), one
// NIC, and a
// ProductSection of vApp properties `kiln.<key>` that vSphere turns into a deploy form and
// hands to the guest through the OVF environment (guestinfo transport).
namespace kiln::exporter {

inline constexpr const char* kStreamOptimizedUri =
    "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";

struct OvfSettings {
    std::string vm_name = "kiln-node";
    std::string os_type = "otherLinux64Guest";  // vmw:osType
    int vmx_version = 13;
    int cpus = 2;
    int memory_mb = 4096;
    std::string nic = "vmxnet3";  // vmxnet3, e1000, e1000e
    std::string network = "VM Network";
    std::string scsi = "lsilogic";                // lsilogic or pvscsi
    std::string firmware = "bios";                // bios or efi
    std::vector<std::string> properties;          // node keys exposed as kiln.<key>
    std::map<std::string, std::string> defaults;  // node key -> default value (never secrets)
    std::string product = "kiln PostgreSQL HA node";
    std::string version;     // product version shown by vSphere
    std::string annotation;  // free text shown as the VM's notes
    // The node's data disk, in bytes (0: none). It travels as an empty streamOptimized VMDK of
    // that capacity (a few hundred KiB of grain tables) rather than as OVF's file-less Disk:
    // vSphere accepts both, but virt-v2v's OVA reader refuses a Disk without ovf:fileRef.
    std::uint64_t data_disk_bytes = 0;
};

struct OvfDisk {
    std::string file;             // member name of the VMDK
    std::uint64_t file_size = 0;  // exact bytes
    std::uint64_t capacity = 0;   // virtual size in bytes
    std::uint64_t populated = 0;  // bytes of data the disk holds
};

// Checks settings that would make vSphere reject the descriptor; returns every problem.
std::vector<std::string> check_ovf_settings(const OvfSettings& settings);

// The descriptor text (UTF-8, deterministic: no dates, no random ids). `data_disk` is the data
// disk's VMDK, given exactly when settings.data_disk_bytes is not 0.
std::string make_ovf(const OvfSettings& settings, const OvfDisk& disk,
                     const OvfDisk* data_disk = nullptr);

// CIM operating system id for OperatingSystemSection/@ovf:id.
int cim_os_id(const std::string& vmware_os_type);

}  // namespace kiln::exporter
