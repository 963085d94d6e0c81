#include "profile/profile.hpp"

namespace kiln::profile {

std::string to_string(PackageManager v) {
    switch (v) {
        case PackageManager::apt:
            return "apt";
        case PackageManager::yum:
            return "yum";
        case PackageManager::dnf:
            return "dnf";
    }
    return "?";
}

std::string to_string(BootstrapTool v) {
    switch (v) {
        case BootstrapTool::debootstrap:
            return "debootstrap";
        case BootstrapTool::mmdebstrap:
            return "mmdebstrap";
        case BootstrapTool::dnf:
            return "dnf";
        case BootstrapTool::yum:
            return "yum";
    }
    return "?";
}

std::string to_string(Filesystem v) {
    return v == Filesystem::ext4 ? "ext4" : "xfs";
}
std::string to_string(PartitionTable v) {
    return v == PartitionTable::gpt ? "gpt" : "mbr";
}

std::string to_string(Firmware v) {
    switch (v) {
        case Firmware::bios:
            return "bios";
        case Firmware::uefi:
            return "uefi";
        case Firmware::hybrid:
            return "hybrid";
    }
    return "?";
}

std::string to_string(OutputFormat v) {
    switch (v) {
        case OutputFormat::qcow2:
            return "qcow2";
        case OutputFormat::vmdk:
            return "vmdk";
        case OutputFormat::ova:
            return "ova";
    }
    return "?";
}

std::string to_string(OverlayKind v) {
    return v == OverlayKind::tree ? "tree" : "file";
}

const std::vector<std::string>& known_vmware_os_types() {
    static const std::vector<std::string> types = {
        "centos7_64Guest",  "centos8_64Guest",     "centos9_64Guest",     "rhel7_64Guest",
        "rhel8_64Guest",    "rhel9_64Guest",       "debian10_64Guest",    "debian11_64Guest",
        "debian12_64Guest", "other4xLinux64Guest", "other5xLinux64Guest", "otherLinux64Guest"};
    return types;
}

}  // namespace kiln::profile
