#include <unistd.h>

#include <iostream>

#include "bake/build_options.hpp"
#include "bake/image_build.hpp"
#include "bake/interruption.hpp"
#include "bake/user_namespace.hpp"
#include "cli/command.hpp"
#include "cli/load_profile.hpp"
#include "cli/plan_inputs.hpp"
#include "cli/profile_options.hpp"
#include "kiln/error.hpp"
#include "kiln/printable.hpp"
#include "plan/planner.hpp"

namespace kiln::cli {

namespace {

class BuildCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions& global) override {
        global_ = &global;
        app.add_option("profile", profile_, "Profile file")->required();
        app.add_option("-o,--output", output_, "Output folder (default: the current folder)");
        profile_options_.register_options(app);
        app.add_option("--accel", accel_,
                       "Virtualisation for the libguestfs appliance: auto, kvm or tcg")
            ->check(CLI::IsMember(enum_names<bake::Accel>()));
        app.add_flag("--json", global.json, "Progress as JSON events, one per line");
        app.add_flag("--no-cache", no_cache_, "Neither use nor fill the package layer cache");
        app.add_option(
            "--cache-dir", cache_dir_,
            "Layer cache folder (default $KILN_CACHE_DIR, else /var/tmp/kiln-cache as root, "
            "~/.cache/kiln-cache otherwise)");
        app.add_option(
            "--work-dir", work_dir_,
            "Scratch folder parent (default $KILN_WORK_DIR, else /var/tmp/kiln-work as root, "
            "~/.cache/kiln-work otherwise)");
        app.add_flag("--keep-work", keep_work_,
                     "Keep the scratch folder (tree, raw disk, build.log)");
        plan_inputs_.register_options(app);
        app.add_flag("--compress", compress_, "Compress the qcow2 output (slower, smaller)");
        app.add_flag(
            "--appliance-bootloader", appliance_bootloader_,
            "Install GRUB through the libguestfs appliance (grub-install, update-grub) even "
            "where kiln installs it natively");
    }

    int run() override {
        bake::install_interrupt_handlers();
        profile::Profile profile =
            load_profile_or_throw(profile_, profile_options_.load_options(), global_->json);
        plan::Plan plan = plan::make_plan(profile, plan_inputs_.resolve());
        // A bootstrap needs root (chroot, owners, mounts): an ordinary user gets it in a user
        // namespace, where this same command runs again.
        if (profile.base.bootstrap && ::geteuid() != 0) return bake::run_again_in_user_namespace();
        bake::BuildOptions options;
        options.output_dir = output_.empty() ? "." : output_;
        options.use_cache = !no_cache_;
        options.cache_dir = cache_dir_;
        options.work_parent = work_dir_;
        options.keep_work = keep_work_;
        options.accel = *parse_enum<bake::Accel>(accel_);
        options.compress_qcow2 = compress_;
        options.appliance_bootloader = appliance_bootloader_;
        options.json = global_->json;
        bake::Progress progress(std::cout, global_->json, plan.operations.size());
        if (!global_->json)
            std::cout << "building " << printable(plan.profile_name) << " (profile digest "
                      << plan.profile_digest.substr(0, 16) << ", package layer "
                      << plan.package_layer_digest.substr(0, 16) << ", accel "
                      << to_string(bake::resolve_accel(options.accel)) << ")\n";
        bake::BuildResult result;
        try {
            result = bake::run_build(profile, plan, options, progress);
        } catch (const Error&) {
            progress.finished(false, 0);
            throw;
        }
        progress.finished(true, result.seconds);
        if (!global_->json)
            for (const auto& path : result.outputs)
                std::cout << "wrote " << printable(path.string()) << "\n";
        return 0;
    }

private:
    GlobalOptions* global_ = nullptr;
    std::string profile_;
    std::string output_;
    ProfileOptions profile_options_;
    std::string accel_ = "auto";
    bool no_cache_ = false;
    std::string cache_dir_;
    std::string work_dir_;
    bool keep_work_ = false;
    PlanInputOptions plan_inputs_;
    bool compress_ = false;
    bool appliance_bootloader_ = false;
};

}  // namespace

std::unique_ptr<Command> make_build_command() {
    return std::make_unique<BuildCommand>();
}

}  // namespace kiln::cli
