#include "bake/steps/selinux.hpp"

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

}  // namespace kiln::bake
