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
// GRUB that cannot be installed natively, and the SELinux relabel. The relabel runs there, on
// the finished filesystem, rather than with the host's setfiles on the tree: labels are xattrs
// in the security namespace, which the host keeps on the tree only if its own security module
// and filesystem allow, and which mkfs would then have to carry over; the appliance's setfiles
// (as for image bases) writes them where they stay. EL trees launch it for GRUB anyway.
class TreeDisk final : public MountedDisk {
public:
    // `tools`: what the appliance carries, when one is launched (setfiles for a relabel).
    TreeDisk(Context& ctx, std::string profile_digest, std::filesystem::path raw,
             ApplianceTools tools = ApplianceTools::standard);
    TreeDisk(const TreeDisk&) = delete;
    TreeDisk& operator=(const TreeDisk&) = delete;

    void make(const plan::MakeDisk& disk);
    void install_bootloader(const plan::InstallBootloader& bootloader);

    Root& files() override;
    void selinux_relabel(const std::string& file_contexts) override;
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
    ApplianceTools tools_;
    std::optional<Appliance> appliance_;
    std::optional<ApplianceDisk> mounted_;
};

}  // namespace kiln::bake
