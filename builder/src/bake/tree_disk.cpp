#include "bake/tree_disk.hpp"

#include "bake/steps/bootloader.hpp"
#include "bake/steps/bootloader_native.hpp"

namespace kiln::bake {

namespace {

// Points ctx.root at another guest for a while (GRUB installs on the mounted disk, not the tree).
class RootSwap {
public:
    RootSwap(Context& ctx, Root& root) : ctx_(ctx), saved_(ctx.root) { ctx.root = &root; }
    ~RootSwap() { ctx_.root = saved_; }
    RootSwap(const RootSwap&) = delete;
    RootSwap& operator=(const RootSwap&) = delete;

private:
    Context& ctx_;
    Root* saved_;
};

}  // namespace

TreeDisk::TreeDisk(Context& ctx, std::string profile_digest, std::filesystem::path raw,
                   ApplianceTools tools)
    : ctx_(ctx), profile_digest_(std::move(profile_digest)), raw_(std::move(raw)), tools_(tools) {}

void TreeDisk::make(const plan::MakeDisk& disk) {
    layout_ = plan_disk(disk, profile_digest_);
    native_grub_ =
        !ctx_.options.appliance_bootloader && can_install_grub_natively(ctx_, disk.firmware);
    // GRUB's files go into the tree before it becomes the filesystem.
    if (native_grub_) prepare_grub_in_tree(ctx_, disk, *layout_);
    make_disk(ctx_, disk, *layout_, raw_);
}

void TreeDisk::install_bootloader(const plan::InstallBootloader& bootloader) {
    if (native_grub_) {
        write_grub_boot_sectors(ctx_, layout(), raw_);
        return;
    }
    RootSwap on_disk(ctx_, mounted().files());
    bake::install_bootloader(ctx_, bootloader, *appliance_, layout());
}

Root& TreeDisk::files() {
    return mounted().files();
}

void TreeDisk::selinux_relabel(const std::string& file_contexts) {
    mounted().selinux_relabel(file_contexts);
}

std::string TreeDisk::trim_free_space() {
    if (!mounted_) return "written sparse from the tree: nothing to discard";
    return mounted_->trim_free_space();
}

void TreeDisk::close() {
    if (!appliance_) return;
    mounted_.reset();
    appliance_->shutdown();
}

const DiskLayout& TreeDisk::layout() const {
    if (!layout_) throw Error("the disk is used before make-disk made it");
    return *layout_;
}

ApplianceDisk& TreeDisk::mounted() {
    if (!mounted_) {
        appliance_.emplace(ctx_.options.accel, tools_);
        appliance_->add_disk(raw_, "raw");
        appliance_->launch();
        mount_made_disk(*appliance_, layout());
        mounted_.emplace(*appliance_);
    }
    return *mounted_;
}

}  // namespace kiln::bake
