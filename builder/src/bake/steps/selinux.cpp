#include "bake/steps/selinux.hpp"

#include <variant>

#include "bake/guest/appliance.hpp"

namespace kiln::bake {

void selinux_relabel(Context& ctx, MountedDisk& disk) {
    std::string type = "targeted";
    if (auto config = disk.files().read_file("/etc/selinux/config")) {
        auto pos = config->find("\nSELINUXTYPE=");
        if (pos != std::string::npos)
            type = config->substr(pos + 13, config->find('\n', pos + 1) - pos - 13);
    }
    std::string contexts = "/etc/selinux/" + type + "/contexts/files/file_contexts";
    if (!disk.files().exists(contexts)) {
        ctx.progress.warning("no " + contexts + " in the image: SELinux relabel skipped");
        ctx.note = "skipped";
        return;
    }
    disk.selinux_relabel(contexts);
    ctx.note = type + " policy";
}

ApplianceTools appliance_tools(const plan::Plan& plan) {
    for (const auto& op : plan.operations)
        if (std::holds_alternative<plan::SelinuxRelabel>(op.action))
            return ApplianceTools::with_setfiles;
    return ApplianceTools::standard;
}

void require_relabel_tool(const plan::Plan& plan, bool appliance_can_relabel) {
    if (appliance_can_relabel) return;
    for (const auto& op : plan.operations)
        if (std::holds_alternative<plan::SelinuxRelabel>(op.action))
            throw LocatedError(op.where,
                               "'sysprep.selinux_relabel': " + no_setfiles_in_appliance() +
                                   "; set it to false, or build where the appliance has setfiles",
                               ExitCode::failed);
}

}  // namespace kiln::bake
