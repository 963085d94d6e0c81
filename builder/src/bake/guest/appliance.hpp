#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bake/build_options.hpp"
#include "bake/guest/mounted_disk.hpp"
#include "bake/guest/root.hpp"

typedef struct guestfs_h guestfs_h;

namespace kiln::bake {

// What the appliance carries beyond libguestfs's own package list.
enum class ApplianceTools {
    standard,
    // Plus the host's policycoreutils (setfiles) for an SELinux relabel: Debian's appliance has
    // none. Built by supermin from a package list of kiln's own and cached apart from the
    // standard appliance.
    with_setfiles,
};

// One libguestfs appliance (RAII): both host cores, TCG or KVM as chosen, network on when
// packages are installed. Launching costs about 15 s under TCG, so a build launches it once.
class Appliance {
public:
    explicit Appliance(Accel accel, ApplianceTools tools = ApplianceTools::standard);
    ~Appliance();
    Appliance(const Appliance&) = delete;
    Appliance& operator=(const Appliance&) = delete;

    void add_disk(const std::filesystem::path& path, const std::string& format);
    void set_network(bool on);
    void launch();
    // Whether the launched appliance offers an optional group of libguestfs ("selinuxrelabel").
    bool has_feature(const std::string& group) const;
    void shutdown();  // flushes and stops the appliance; errors are reported

    guestfs_h* handle() const { return g_; }
    std::string device(int index) const;      // /dev/sda
    std::string partition(int number) const;  // /dev/sda2
    // Throws kiln::Error with libguestfs's last message when `rc` signals failure.
    void check(int rc, const std::string& what) const;
    void check(const void* ptr, const std::string& what) const;

private:
    guestfs_h* g_ = nullptr;
    bool launched_ = false;
};

// Why the appliance cannot relabel: it has no setfiles (libguestfs's optional group
// "selinuxrelabel").
std::string no_setfiles_in_appliance();

// The host's setfiles (policycoreutils); throws, saying what to install, when there is none.
std::string host_setfiles();

// The appliance folder (libguestfs's path) whose supermin.d is the host's plus policycoreutils,
// and its own cache folder: made once per user under `base` (a private 0700 folder).
struct SetfilesAppliance {
    std::filesystem::path path;
    std::filesystem::path cache;
};
SetfilesAppliance prepare_setfiles_appliance(const std::filesystem::path& system_path,
                                             const std::filesystem::path& base);

// A guest root mounted in the appliance (at / of its sysroot): libguestfs resolves every path
// inside the guest, and commands run chrooted there with /proc, /sys and /dev.
class GuestRoot final : public Root {
public:
    explicit GuestRoot(Appliance& appliance) : a_(appliance), g_(appliance.handle()) {}

    std::string describe() const override { return "the guest disk"; }
    bool exists(const std::string& path) override;
    bool is_directory(const std::string& path) override;
    bool is_symlink(const std::string& path) override;
    std::optional<std::string> read_file(const std::string& path) override;
    void write_file(const std::string& path, const std::string& content, unsigned mode,
                    unsigned uid, unsigned gid) override;
    bool make_directory(const std::string& path, unsigned mode, unsigned uid,
                        unsigned gid) override;
    void symlink(const std::string& target, const std::string& path) override;
    void remove(const std::string& path) override;
    std::vector<std::string> list(const std::string& directory) override;
    ProcessResult run(const std::vector<std::string>& argv,
                      const std::vector<std::string>& env = {},
                      StdoutTo stdout_to = StdoutTo::log) override;

private:
    Appliance& a_;
    guestfs_h* g_;
};

// The disk mounted in a launched appliance (libguestfs's setfiles and fstrim).
class ApplianceDisk final : public MountedDisk {
public:
    explicit ApplianceDisk(Appliance& appliance) : a_(appliance), files_(appliance) {}

    Root& files() override { return files_; }
    void selinux_relabel(const std::string& file_contexts) override;
    std::string trim_free_space() override;

private:
    Appliance& a_;
    GuestRoot files_;
};

}  // namespace kiln::bake
