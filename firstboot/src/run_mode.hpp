#pragma once

#include <optional>
#include <string>

#include "first_boot.hpp"

namespace kiln::firstboot {

// What one run does and what it may touch, decided once from its RunOptions. Every question of
// the kind "render only?", "reconfigure?", "is the root this machine?" is answered here and
// nowhere else.
class RunMode {
public:
    enum class Kind {
        render_only,  // render into the root and check the files; configure and start nothing
        apply,        // configure the node at the root once; later boots report it configured
        reconfigure,  // apply metadata that changed since the node was configured
    };

    explicit RunMode(const RunOptions& options);

    Kind kind() const { return kind_; }
    bool render_only() const { return kind_ == Kind::render_only; }
    bool reconfigure() const { return kind_ == Kind::reconfigure; }
    // The root is this machine's own "/", not a tree (a preview or a test's root): the root
    // folder is "/" itself (same device and inode), however its path is spelled ("/.",
    // "/tmp/..", a symlink to "/").
    bool on_this_system() const { return on_this_system_; }

    // Configures the node: identity, units, the stamp, status reports, the system bus.
    bool configures_node() const { return !render_only(); }
    // May ask the hypervisor (guestinfo) for metadata and publish its status there; a preview of
    // this very system leaves it alone.
    bool may_use_guestinfo() const { return !render_only() || !on_this_system_; }
    // May mount this machine's CD-ROM to look for an OVF environment.
    bool may_mount_cdrom() const { return !render_only() && on_this_system_; }
    // Written files get the owners their users say (chown needs root).
    bool sets_owners() const { return !render_only() && running_as_root_; }
    // May connect to this machine's system bus: only for its own root. Another root's services
    // are reached through the bus --bus names, or not at all.
    bool may_use_system_bus() const { return on_this_system_; }
    // May find, format and mount the data disk: only this machine's own disks, for its own root
    // (a tree's /dev and /sys describe no disk of this machine that it may format).
    bool prepares_data_disk() const { return configures_node() && on_this_system_; }

    // Why the command line may not ask for this run, if it may not.
    std::optional<std::string> usage_problem() const;

private:
    Kind kind_;
    bool on_this_system_ = false;
    bool running_as_root_;
    bool has_bus_address_;
    std::optional<std::string> root_problem_;  // the root cannot be used at all
};

}  // namespace kiln::firstboot
