#include "sources/guestinfo.hpp"

#include <fstream>

#include "core/process.hpp"

namespace kiln::firstboot {

namespace {
constexpr std::chrono::milliseconds kCallTimeout{5000};
}

bool is_vmware_guest(const std::filesystem::path& root) {
    for (const char* file : {"sys/class/dmi/id/sys_vendor", "sys/class/dmi/id/product_name"}) {
        std::ifstream in(root / file);
        std::string text;
        if (in && std::getline(in, text) && text.find("VMware") != std::string::npos) return true;
    }
    return false;
}

std::optional<GuestInfo> GuestInfo::detect(const std::filesystem::path& root) {
    if (!is_vmware_guest(root)) return std::nullopt;
    if (auto tool = find_program("vmware-rpctool")) return GuestInfo(*tool);
    if (auto tool = find_program("vmtoolsd")) return GuestInfo(*tool);
    return std::nullopt;
}

GuestInfo::GuestInfo(std::filesystem::path tool) : tool_(std::move(tool)) {
    vmtoolsd_ = tool_.filename() == "vmtoolsd";
}

std::vector<std::string> GuestInfo::command(const std::string& rpc) const {
    if (vmtoolsd_) return {tool_.string(), "--cmd", rpc};
    return {tool_.string(), rpc};
}

std::optional<std::string> GuestInfo::get(std::string_view key) {
    if (!usable_) return std::nullopt;
    ProcessOptions options;
    options.timeout = kCallTimeout;
    auto result = run_process(command("info-get " + std::string(key)), options);
    if (result.exit_code == 0) {
        std::string value = std::move(result.out);
        if (value.ends_with('\n')) value.pop_back();
        return value;
    }
    if (result.exit_code == 1 && (result.out.find("No value found") != std::string::npos ||
                                  result.err.find("No value found") != std::string::npos))
        return std::nullopt;
    usable_ = false;  // not a "no value" reply: the channel does not work; stop asking
    return std::nullopt;
}

bool GuestInfo::set(std::string_view key, std::string_view value) {
    if (!usable_) return false;
    ProcessOptions options;
    options.timeout = kCallTimeout;
    auto result =
        run_process(command("info-set " + std::string(key) + " " + std::string(value)), options);
    return result.exit_code == 0;
}

}  // namespace kiln::firstboot
