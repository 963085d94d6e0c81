#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/root_dir.hpp"

// VMware guestinfo through the open-vm-tools CLIs: `vmware-rpctool "info-get KEY"`, or
// `vmtoolsd --cmd "info-get KEY"` (which also works under Secure RPC). Contract: the value on
// stdout and exit 0; "No value found" and exit 1. Anything else means the channel is not usable
// and the client goes quiet for the rest of the run (no VMware, no backdoor: no hangs).
namespace kiln::firstboot {

class GuestInfo {
public:
    // nullopt when this is not a VMware guest (DMI vendor under `root`) or no tool exists.
    // vmware-rpctool is tried first; when its channel fails, vmtoolsd --cmd takes over.
    static std::optional<GuestInfo> detect(const RootDir& root);
    // A client for the given tools, in order (tests, or a caller that already knows).
    explicit GuestInfo(std::filesystem::path tool);
    explicit GuestInfo(std::vector<std::filesystem::path> tools);

    std::optional<std::string> get(std::string_view key);  // nullopt: no value (or unusable)
    bool set(std::string_view key, std::string_view value);
    bool usable() const { return usable_; }
    const std::filesystem::path& tool() const { return tools_[current_]; }

private:
    std::vector<std::string> command(const std::string& rpc) const;
    // Runs one RPC; a reply outside the contract moves on to the next tool, if any.
    std::optional<std::string> call(const std::string& rpc, bool& no_value);

    std::vector<std::filesystem::path> tools_;
    std::size_t current_ = 0;
    bool usable_ = true;
};

// True when DMI under `root` names VMware as the system vendor.
bool is_vmware_guest(const RootDir& root);

}  // namespace kiln::firstboot
