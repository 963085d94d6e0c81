#include "bake/image_build.hpp"

#include <guestfs.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>

#include "bake/guest/appliance.hpp"
#include "bake/steps/bootloader.hpp"
#include "bake/steps/bootloader_native.hpp"
#include "bake/steps/bootstrap.hpp"
#include "bake/layer_cache.hpp"
#include "bake/context.hpp"
#include "bake/steps/disk.hpp"
#include "bake/export_outputs.hpp"
#include "bake/steps/firstboot_install.hpp"
#include "bake/steps/image_base.hpp"
#include "bake/build_record.hpp"
#include "bake/guest/native_root.hpp"
#include "bake/steps/overlays.hpp"
#include "bake/steps/packages.hpp"
#include "bake/steps/seal.hpp"
#include "bake/steps/settings.hpp"
#include "bake/steps/sysprep.hpp"
#include "bake/steps/units.hpp"
#include "bake/workspace.hpp"
#include "kiln/sha256.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;
using plan::Operation;
using plan::Stage;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

template <class T>
const T& by_location(const std::vector<T>& items, const Location& where, const char* what) {
    for (const auto& item : items)
        if (item.where == where) return item;
    throw Error(std::string("internal: no ") + what + " of the profile at " + where.str());
}

class Pipeline {
public:
    Pipeline(const profile::Profile& p, const plan::Plan& plan, const BuildOptions& o,
             Progress& progress)
        : profile_(p), plan_(plan), options_(o), progress_(progress) {}

    BuildResult run() {
        auto start = Clock::now();
        Workspace work(options_.work_parent.empty() ? default_work_parent() : options_.work_parent,
                       options_.keep_work);
        std::ofstream log(work / "build.log");
        set_log_sink([&log](const std::string& line) { log << line << "\n" << std::flush; });
        set_child_record((work / "tool.pgid").string());
        struct SinkReset {
            ~SinkReset() {
                set_log_sink({});
                set_child_record({});
            }
        } reset_sink;
        StagedOutputs staged(options_.output_dir);
        Context ctx(profile_, plan_, options_, progress_, work.path());
        ctx.tree = work / "tree";
        if (options_.use_cache)
            cache_.emplace(options_.cache_dir.empty() ? default_cache_dir() : options_.cache_dir);
        try {
            if (profile_.base.bootstrap)
                build_from_tree(ctx);
            else
                build_from_image(ctx);
            write_outputs(ctx, staged);
        } catch (const Error& e) {
            progress_.fail(current_, e.what());
            if (options_.keep_work) progress_.info("scratch folder kept: " + work.path().string());
            throw;
        }
        BuildResult result;
        result.seconds = since(start);
        result.cache_hit = cache_hit_;
        ManifestInput m{&profile_,
                        &plan_,
                        base_kind_,
                        base_digest_,
                        cache_.has_value(),
                        cache_hit_,
                        to_string(resolve_accel(options_.accel)),
                        packages_,
                        outputs_,
                        &progress_,
                        result.seconds};
        fs::path manifest = staged.stage(profile_.name.value + ".manifest.json");
        std::ofstream(manifest) << make_manifest(m).dump(2) << "\n";
        staged.commit();
        for (const auto& o : outputs_)
            if (o.status == "written") result.outputs.push_back(options_.output_dir / o.file);
        result.outputs.push_back(options_.output_dir / (profile_.name.value + ".manifest.json"));
        return result;
    }

private:
    // Runs one operation through the executor of its kind, with progress and timing.
    void execute(Context& ctx, const Operation& op, std::size_t index) {
        throw_if_interrupted();
        current_ = &op;
        ctx.note.clear();
        progress_.begin(op, index);
        dispatch(ctx, op);
        progress_.end(op, OpStatus::done, ctx.note);
        current_ = nullptr;
    }

    void dispatch(Context& ctx, const Operation& op) {
        const auto& p = profile_;
        const std::string& k = op.kind;
        if (op.stage == Stage::base && p.base.bootstrap && k == to_string(p.base.bootstrap->tool)) {
            run_bootstrap(
                ctx, *p.base.bootstrap,
                cache_ ? cache_->package_cache(package_cache_name(*p.base.bootstrap)) : fs::path{});
        } else if (k == "add-repository") {
            add_repository(ctx, by_location(p.repositories, op.where, "repository"));
        } else if (k == "install-packages") {
            install_packages(ctx, p.packages.install);
        } else if (k == "remove-packages") {
            remove_packages(ctx, p.packages.remove);
        } else if (k == "copy-tree" || k == "copy-file") {
            apply_overlay(ctx, by_location(p.overlays, op.where, "overlay"));
        } else if (k == "set-timezone") {
            set_timezone(ctx, *p.settings.timezone);
        } else if (k == "set-locale") {
            set_locale(ctx, *p.settings.locale);
        } else if (k == "configure-ntp") {
            configure_ntp(ctx, p.settings.ntp_servers);
        } else if (k == "configure-zabbix-agent") {
            configure_zabbix_agent(ctx, *p.settings.zabbix_server);
        } else if (k == "set-hostname") {
            set_hostname(ctx, *p.settings.hostname);
        } else if (k == "enable-units") {
            apply_units(ctx, UnitAction::enable, p.units.enable);
        } else if (k == "disable-units") {
            apply_units(ctx, UnitAction::disable, p.units.disable);
        } else if (k == "mask-units") {
            apply_units(ctx, UnitAction::mask, p.units.mask);
        } else if (k == "install-firstboot") {
            install_firstboot(ctx);
        } else if (k == "write-node-defaults") {
            write_node_defaults(ctx);
        } else if (k == "disable-cluster-services") {
            disable_cluster_services(ctx);
        } else if (k == "seal-etcd-data") {
            seal_etcd_data(ctx);
        } else if (k == "seal-postgresql-clusters") {
            seal_postgresql_clusters(ctx);
        } else if (k.starts_with("sysprep-")) {
            run_sysprep(ctx, k.substr(8), op.where);
        } else if (k == "selinux-relabel") {
            ctx.selinux_relabel = true;
            ctx.note = "done last, on the finished disk";
        } else {
            throw Error("internal: no executor for the plan operation '" + k + "'");
        }
    }

    std::vector<std::pair<std::size_t, const Operation*>> ops_in(
        std::initializer_list<Stage> stages) const {
        std::vector<std::pair<std::size_t, const Operation*>> out;
        for (std::size_t i = 0; i < plan_.operations.size(); ++i)
            for (Stage s : stages)
                if (plan_.operations[i].stage == s) out.emplace_back(i + 1, &plan_.operations[i]);
        return out;
    }

    // A bootstrap base: every stage up to sysprep on a tree on the host, the disk made natively,
    // one appliance launch for GRUB.
    void build_from_tree(Context& ctx) {
        const auto& b = *profile_.base.bootstrap;
        base_kind_ = to_string(b.tool);
        for (const auto& op : plan_.operations)
            if (op.stage == Stage::base) base_digest_ = op.digest;

        auto layer = ops_in({Stage::base, Stage::packages});
        std::optional<fs::path> cached =
            cache_ ? cache_->find(plan_.package_layer_digest) : std::nullopt;
        if (cached) {
            auto t = Clock::now();
            LayerCache::copy_tree(*cached, ctx.tree);
            double seconds = since(t);
            cache_hit_ = true;
            for (const auto& [index, op] : layer) {
                progress_.begin(*op, index);
                progress_.end(*op, OpStatus::cached,
                              "package layer " + plan_.package_layer_digest.substr(0, 12));
            }
            progress_.add_phase_time("cache-restore", seconds);
            progress_.info("package layer restored from the cache in " +
                           std::to_string(static_cast<int>(seconds)) + " s");
        } else {
            fs::create_directories(ctx.tree);
            std::optional<NativeRoot> root;
            for (const auto& [index, op] : layer) {
                if (op->stage == Stage::packages && !root) {
                    root.emplace(ctx.tree);
                    ctx.root = &*root;
                }
                execute(ctx, *op, index);
            }
            if (!root) root.emplace(ctx.tree);
            // The bootstrap copied the build host's files; a template must not carry them.
            root->write_file("/etc/hostname", "localhost\n", 0644, 0, 0);
            root->write_file("/etc/resolv.conf", "", 0644, 0, 0);
            ctx.root = nullptr;
            if (cache_) {
                auto t = Clock::now();
                cache_->store(plan_.package_layer_digest, ctx.tree);
                progress_.add_phase_time("cache-store", since(t));
            }
        }

        NativeRoot root(ctx.tree);
        ctx.root = &root;
        for (const auto& [index, op] :
             ops_in({Stage::customize, Stage::firstboot, Stage::seal, Stage::sysprep}))
            execute(ctx, *op, index);
        packages_ = installed_packages(ctx);

        DiskLayout layout = plan_disk(profile_.disk, plan_.profile_digest);
        disk_ = ctx.work / "disk.raw";
        disk_format_ = "raw";
        bool native_grub = !options_.appliance_bootloader && can_install_grub_natively(ctx);
        for (const auto& [index, op] : ops_in({Stage::disk})) {
            throw_if_interrupted();
            current_ = op;
            ctx.note.clear();
            progress_.begin(*op, index);
            if (op->kind == "make-disk") {
                // GRUB's files go into the tree before it becomes the filesystem.
                if (native_grub) prepare_grub_in_tree(ctx, layout);
                make_disk(ctx, layout, disk_);
            } else if (op->kind == "install-bootloader" && native_grub) {
                write_grub_boot_sectors(ctx, layout, disk_);
            } else if (op->kind == "install-bootloader") {
                Appliance appliance(options_.accel);
                appliance.add_disk(disk_, "raw");
                appliance.launch();
                mount_made_disk(appliance, layout);
                GuestRoot guest(appliance);
                ctx.root = &guest;
                install_bootloader(ctx, appliance, layout);
                if (ctx.zero_free_space) guestfs_fstrim(appliance.handle(), "/", -1);
                ctx.root = &root;
                appliance.shutdown();
            } else {
                throw Error("internal: no executor for the plan operation '" + op->kind + "'");
            }
            progress_.end(*op, OpStatus::done, ctx.note);
            current_ = nullptr;
        }
        ctx.root = nullptr;
    }

    // An image base: imported and grown on the host, then every other stage in one appliance.
    void build_from_image(Context& ctx) {
        const auto& image = *profile_.base.image;
        base_kind_ = "image";
        base_digest_ = image.sha256.value;
        disk_ = ctx.work / "disk.qcow2";
        disk_format_ = "qcow2";
        ImageBase base(ctx, image, disk_,
                       cache_ ? cache_->directory() / "images" : ctx.work / "images");
        for (const auto& [index, op] : ops_in({Stage::base})) {
            throw_if_interrupted();
            current_ = op;
            ctx.note.clear();
            progress_.begin(*op, index);
            if (op->kind == "import-image")
                base.import();
            else if (op->kind == "resize-disk")
                base.resize(profile_.disk.size.value);
            else
                throw Error("internal: no executor for the plan operation '" + op->kind + "'");
            progress_.end(*op, OpStatus::done, ctx.note);
        }
        current_ = nullptr;
        Appliance appliance(options_.accel);
        appliance.add_disk(disk_, "qcow2");
        bool network = !profile_.repositories.empty() || !profile_.packages.install.empty() ||
                       !profile_.packages.remove.empty();
        appliance.set_network(network);
        auto t = Clock::now();
        appliance.launch();
        progress_.add_phase_time("appliance-launch", since(t));
        base.mount_and_grow(appliance);
        GuestRoot guest(appliance);
        ctx.root = &guest;
        for (const auto& [index, op] : ops_in({Stage::packages, Stage::customize, Stage::firstboot,
                                               Stage::seal, Stage::sysprep}))
            execute(ctx, *op, index);
        packages_ = installed_packages(ctx);
        if (ctx.selinux_relabel) base.selinux_relabel(appliance);
        if (ctx.zero_free_space) base.trim(appliance);
        ctx.root = nullptr;
        appliance.shutdown();
    }

    void write_outputs(Context& ctx, StagedOutputs& staged) {
        for (const auto& [index, op] : ops_in({Stage::output})) {
            throw_if_interrupted();
            current_ = op;
            ctx.note.clear();
            progress_.begin(*op, index);
            const profile::Output& output = by_location(profile_.outputs, op->where, "output");
            fs::path temp = staged.stage(output.file.value);
            if (output.format == profile::OutputFormat::qcow2) {
                std::vector<std::string> argv = {"qemu-img", "convert", "-f", disk_format_,
                                                 "-O",       "qcow2",   "-o", "compat=1.1",
                                                 "-m",       "2"};
                if (options_.compress_qcow2) argv.push_back("-c");
                argv.insert(argv.end(), {disk_.string(), temp.string()});
                run_checked({argv}, "writing " + output.file.value);
                struct stat st {};
                ::stat(temp.c_str(), &st);
                outputs_.push_back({"qcow2",
                                    output.file.value,
                                    "written",
                                    sha256_file_hex(temp),
                                    static_cast<unsigned long long>(st.st_size),
                                    {}});
                progress_.end(*op, OpStatus::done, std::to_string(st.st_size >> 20) + " MiB");
            } else {
                outputs_.push_back(export_output(profile_, output, disk_, temp));
                progress_.end(*op, OpStatus::done,
                              std::to_string(outputs_.back().bytes >> 20) + " MiB");
            }
            current_ = nullptr;
        }
    }

    const profile::Profile& profile_;
    const plan::Plan& plan_;
    const BuildOptions& options_;
    Progress& progress_;
    std::optional<LayerCache> cache_;
    const Operation* current_ = nullptr;
    bool cache_hit_ = false;
    std::string base_kind_, base_digest_;
    fs::path disk_;
    std::string disk_format_;
    std::vector<InstalledPackage> packages_;
    std::vector<OutputRecord> outputs_;
};

}  // namespace

BuildResult run_build(const profile::Profile& profile, const plan::Plan& plan,
                      const BuildOptions& options, Progress& progress) {
    return Pipeline(profile, plan, options, progress).run();
}

}  // namespace kiln::bake
