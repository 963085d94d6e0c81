#include "run/node_qemu.hpp"

namespace kiln::run {

std::vector<std::string> node_qemu_command(const NodeMachine& node) {
    std::vector<std::string> argv = {"ip",
                                     "netns",
                                     "exec",
                                     node.netns,
                                     "qemu-system-x86_64",
                                     "-name",
                                     node.name,
                                     "-machine",
                                     "pc",
                                     "-accel",
                                     node.accel == "tcg" ? "tcg,thread=multi" : node.accel,
                                     "-m",
                                     std::to_string(node.memory_mb),
                                     "-smp",
                                     std::to_string(node.cpus),
                                     "-qmp",
                                     "unix:" + node.qmp.string() + ",server=on,wait=off",
                                     "-netdev",
                                     "tap,id=n0,ifname=" + node.tap + ",script=no,downscript=no"};
    // The NIC is ens3 in the guest, the name the inventory uses.
    std::vector<std::string> devices =
        device_arguments(node.hardware, {node.os_disk, node.data_disk}, {{"n0", node.mac}});
    argv.insert(argv.end(), devices.begin(), devices.end());
    std::vector<std::string> rest = {"-fw_cfg",
                                     "name=opt/kiln/metadata,file=" + node.metadata.string(),
                                     "-display",
                                     "none",
                                     "-monitor",
                                     "none",
                                     "-serial",
                                     "file:" + node.console.string(),
                                     "-daemonize",
                                     "-pidfile",
                                     node.pidfile.string()};
    argv.insert(argv.end(), rest.begin(), rest.end());
    return argv;
}

}  // namespace kiln::run
