#include "bake/steps/selinux.hpp"

#include <sys/xattr.h>

#include <filesystem>
#include <optional>
#include <variant>

#include "bake/guest/appliance.hpp"
#include "bake/tools.hpp"
#include "bake/user_namespace.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

namespace {

struct Policy {
    std::string type;
    std::string file_contexts;
};

// The guest's policy (SELINUXTYPE of /etc/selinux/config, targeted when unset) and its file
// contexts; nullopt, with a warning, when the guest has no such file.
std::optional<Policy> guest_policy(Context& ctx, Root& root) {
    Policy policy{"targeted", ""};
    if (auto config = root.read_file("/etc/selinux/config")) {
        auto pos = ("\n" + *config).find("\nSELINUXTYPE=");
        if (pos != std::string::npos)
            policy.type = config->substr(pos + 12, config->find('\n', pos + 12) - pos - 12);
    }
    policy.file_contexts = "/etc/selinux/" + policy.type + "/contexts/files/file_contexts";
    if (root.exists(policy.file_contexts)) return policy;
    ctx.progress.warning("no " + policy.file_contexts + " in the image: SELinux relabel skipped");
    return std::nullopt;
}

}  // namespace

void selinux_relabel(Context& ctx, MountedDisk& disk) {
    auto policy = guest_policy(ctx, disk.files());
    if (!policy) {
        ctx.note = "skipped";
        return;
    }
    disk.selinux_relabel(policy->file_contexts);
    ctx.note = policy->type + " policy";
}

std::string relabel_tree(Context& ctx, Root& tree_root, const fs::path& tree) {
    auto policy = guest_policy(ctx, tree_root);
    if (!policy) return "skipped";
    const std::string setfiles = host_setfiles();
    // A rootless build sets security.selinux from a user namespace, which a host running a
    // security module that owns the attribute (SELinux itself) refuses.
    const std::string rootless =
        in_user_namespace()
            ? "; a rootless build needs a host that lets a user namespace set security.selinux: "
              "build as root, or set 'sysprep.selinux_relabel' to false"
            : "";
    ProcessResult labelled =
        run({{setfiles, "-F", "-r", tree.string(),
              (tree / policy->file_contexts.substr(1)).string(), tree.string()}});
    if (!labelled.succeeded())
        throw Error("labelling the tree for SELinux failed (" + setfiles +
                    "): " + labelled.describe() + rootless);
    // A host whose filesystem or security module drops security.selinux would leave the image
    // unlabelled without a word.
    char label[256];
    if (::lgetxattr(tree.c_str(), "security.selinux", label, sizeof label) <= 0)
        throw Error("setfiles labelled " + tree.string() +
                    " but the host did not keep the labels (its filesystem or security module "
                    "drops security.selinux): build with the work folder on ext4 or xfs" +
                    rootless);
    return policy->type + " policy, labelled in the tree before mkfs";
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
