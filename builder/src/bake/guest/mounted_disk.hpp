#pragma once

#include <string>

#include "bake/guest/root.hpp"

namespace kiln::bake {

// The built disk with its filesystems mounted, for the disk stage's work on all of it: the
// SELinux relabel and discarding free space.
class MountedDisk {
public:
    virtual ~MountedDisk() = default;

    virtual Root& files() = 0;
    // setfiles over every file with `file_contexts` (a path inside the guest).
    virtual void selinux_relabel(const std::string& file_contexts) = 0;
    // Discards the free space; returns what it did, for the note beside "done".
    virtual std::string trim_free_space() = 0;
};

}  // namespace kiln::bake
