#include "sources/guestinfo.hpp"

#include "kiln/process.hpp"

namespace kiln::firstboot {

namespace {
constexpr std::chrono::milliseconds kCallTimeout{5000};
// A DMI name is a line of text; a larger file is not one.
constexpr std::size_t kMaxDmiNameBytes = 4096;
}  // namespace

bool is_vmware_guest(const RootDir& root) {
    for (const char* file : {"/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name"}) {
        auto text = root.read(file, kMaxDmiNameBytes, "a DMI name");
        if (text && text->substr(0, text->find('\n')).find("VMware") != std::string::npos)
            return true;
    }
    return false;
}

std::optional<GuestInfo> GuestInfo::detect(const RootDir& root) {
    if (!is_vmware_guest(root)) return std::nullopt;
    std::vector<std::filesystem::path> tools;
    for (const char* name : {"vmware-rpctool", "vmtoolsd"})
        if (auto tool = find_program(name)) tools.push_back(*tool);
    if (tools.empty()) return std::nullopt;
    return GuestInfo(std::move(tools));
}

GuestInfo::GuestInfo(std::filesystem::path tool) : GuestInfo(std::vector{std::move(tool)}) {}

GuestInfo::GuestInfo(std::vector<std::filesystem::path> tools) : tools_(std::move(tools)) {
    usable_ = !tools_.empty();
}

std::vector<std::string> GuestInfo::command(const std::string& rpc) const {
    const auto& tool = tools_[current_];
    if (tool.filename() == "vmtoolsd") return {tool.string(), "--cmd", rpc};
    return {tool.string(), rpc};
}

std::optional<std::string> GuestInfo::call(const std::string& rpc, bool& no_value) {
    no_value = false;
    while (usable_) {
        auto result = run_process({.argv = command(rpc), .timeout = kCallTimeout});
        if (result.succeeded()) return std::move(result.out);
        if (result.exited_with(1) && (result.out.find("No value found") != std::string::npos ||
                                      result.err.find("No value found") != std::string::npos)) {
            no_value = true;
            return std::nullopt;
        }
        // Not a reply of the contract: this tool's channel does not work. Try the next one
        // (vmtoolsd --cmd also works under Secure RPC); with none left, stop asking.
        if (++current_ >= tools_.size()) {
            current_ = tools_.size() - 1;
            usable_ = false;
        }
    }
    return std::nullopt;
}

std::optional<std::string> GuestInfo::get(std::string_view key) {
    bool no_value = false;
    auto value = call("info-get " + std::string(key), no_value);
    if (value && value->ends_with('\n')) value->pop_back();
    return value;
}

bool GuestInfo::set(std::string_view key, std::string_view value) {
    bool no_value = false;
    return call("info-set " + std::string(key) + " " + std::string(value), no_value).has_value();
}

}  // namespace kiln::firstboot
