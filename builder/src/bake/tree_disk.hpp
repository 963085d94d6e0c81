#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "bake/context.hpp"
#include "bake/guest/appliance.hpp"
#include "bake/steps/disk.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// The disk stage of a bootstrap base. make-disk turns the host tree into a raw disk natively
// (GRUB's files are prepared in the tree first where GRUB can be installed without the
// appliance). The appliance is launched once, and only if an operation needs the disk mounted:
// GRUB that cannot be installed natively. An SELinux relabel labels the tree before mkfs with
// the host's setfiles (mkfs.ext4 -d copies the security.selinux xattrs; a host that drops them
// is an error), so the finished filesystem is never mounted and stays reproducible.
class TreeDisk final : public MountedDisk {
public:
    // `relabel`: the plan relabels for SELinux (done in make(), on the tree).
    TreeDisk(Context& ctx, std::string profile_digest, std::filesystem::path raw,
             bool relabel = false);
    TreeDisk(const TreeDisk&) = delete;
    TreeDisk& operator=(const TreeDisk&) = delete;

    void make(const plan::MakeDisk& disk);
    void install_bootloader(const plan::InstallBootloader& bootloader);

    Root& files() override;
    void selinux_relabel(const std::string& file_contexts) override;
    // What make() did for the relabel (the relabel step's note).
    const std::string& relabel_note() const { return relabel_note_; }
    // With the appliance running, its fstrim; else nothing: mkfs wrote the tree into a sparse
    // file, so the free space was never written.
    std::string trim_free_space() override;

    // Flushes the disk and stops the appliance, if one was launched.
    void close();

private:
    const DiskLayout& layout() const;
    ApplianceDisk& mounted();  // launches the appliance on first use

    Context& ctx_;
    std::string profile_digest_;  // the seed of the filesystem ids (reproducible disks)
    std::filesystem::path raw_;
    std::optional<DiskLayout> layout_;
    bool native_grub_ = false;
    bool relabel_;
    std::string relabel_note_ = "not asked for";
    std::optional<Appliance> appliance_;
    std::optional<ApplianceDisk> mounted_;
};

}  // namespace kiln::bake
