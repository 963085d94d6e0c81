#include "bake/steps/bootloader.hpp"

#include <guestfs.h>

namespace kiln::bake {

using profile::Firmware;

void mount_made_disk(Appliance& a, const DiskLayout& l) {
    a.check(guestfs_mount(a.handle(), a.partition(l.index_of(PartitionRole::root)).c_str(), "/"),
            "cannot mount the root filesystem");
    if (int esp = l.index_of(PartitionRole::esp)) {
        a.check(guestfs_mkdir_p(a.handle(), "/boot/efi"), "cannot create /boot/efi");
        a.check(guestfs_mount(a.handle(), a.partition(esp).c_str(), "/boot/efi"),
                "cannot mount the ESP");
    }
}

void install_bootloader(Context& ctx, const plan::InstallBootloader& bootloader, Appliance& a,
                        const DiskLayout& l) {
    Root& root = *ctx.root;
    bool debian = ctx.debian();
    std::string install = debian ? "grub-install" : "grub2-install";
    Firmware fw = bootloader.firmware;
    const char* console = "console=tty0 console=ttyS0,115200n8";
    if (debian) {
        root.make_directory("/etc/default/grub.d", 0755, 0, 0);
        root.write_file(
            "/etc/default/grub.d/50-kiln.cfg",
            std::string("# kiln: screen and serial console (vSphere console, QEMU -serial)\n") +
                "GRUB_TIMEOUT=1\nGRUB_CMDLINE_LINUX=\"" + console + "\"\n" +
                "GRUB_TERMINAL=\"console serial\"\nGRUB_SERIAL_COMMAND=\"serial --speed=115200\"\n",
            0644, 0, 0);
    }
    auto require = [&](const std::string& path, const char* package) {
        if (!root.exists(path))
            throw LocatedError(bootloader.bootstrap,
                               std::string("the image has no ") + path + " for firmware '" +
                                   to_string(fw) + "': include the package '" + package + "'",
                               ExitCode::invalid_input);
    };
    if (fw == Firmware::bios || fw == Firmware::hybrid) {
        require(debian ? "/usr/lib/grub/i386-pc" : "/usr/lib/grub/i386-pc",
                debian ? "grub-pc (or grub-pc-bin)" : "grub2-pc");
        root.run_checked({install, "--target=i386-pc", "--recheck", a.device(0)},
                         "installing GRUB for BIOS");
    }
    if (fw == Firmware::uefi || fw == Firmware::hybrid) {
        require("/usr/lib/grub/x86_64-efi",
                debian ? "grub-efi-amd64-bin" : "grub2-efi-x64-modules");
        root.run_checked({install, "--target=x86_64-efi", "--efi-directory=/boot/efi",
                          "--removable", "--no-nvram", a.device(0)},
                         "installing GRUB for UEFI");
    }
    if (debian)
        root.run_checked({"update-grub"}, "writing grub.cfg");
    else
        root.run_checked({"grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"}, "writing grub.cfg");
    ctx.note = "GRUB for " + to_string(fw) + " on " + a.device(0) + " (" + to_string(l.table) + ")";
}

}  // namespace kiln::bake
