#include "cli/command.hpp"

namespace kiln::cli {

std::unique_ptr<Command> make_validate_command();
std::unique_ptr<Command> make_plan_command();
std::unique_ptr<Command> make_metadata_command();
std::unique_ptr<Command> make_run_command();
std::unique_ptr<Command> make_build_command();
std::unique_ptr<Command> make_export_command();
std::unique_ptr<Command> make_verify_command();

std::vector<CommandEntry> all_commands() {
    return {
        {"validate", "Check profiles and report every problem with its file:line:column",
         &make_validate_command},
        {"plan", "Print the ordered operations a build of a profile would run", &make_plan_command},
        {"metadata", "Turn a cluster inventory into per-node metadata for govc, Terraform, vSphere or QEMU",
         &make_metadata_command},
        {"run", "Boot a local cluster of clones in QEMU on a private network (--down stops it)",
         &make_run_command},
        {"build", "Build a profile into a sealed, bootable image (qcow2 and the declared outputs)",
         &make_build_command},
        {"export", "Write a disk as an OVA (OVF + streamOptimized VMDK + manifest), VMDK or qcow2",
         &make_export_command},
        {"verify", "Check an OVA: member order, manifest, signature, OVF references, VMDK structure",
         &make_verify_command},
    };
}

}  // namespace kiln::cli
