#include "bake/image_build.hpp"

#include <chrono>
#include <fstream>

#include "bake/build_record.hpp"
#include "bake/context.hpp"
#include "bake/executor.hpp"
#include "bake/export_outputs.hpp"
#include "bake/guest/appliance.hpp"
#include "bake/guest/native_root.hpp"
#include "bake/layer_cache.hpp"
#include "bake/sbom.hpp"
#include "bake/steps/bootstrap.hpp"
#include "bake/steps/image_base.hpp"
#include "bake/steps/packages.hpp"
#include "bake/steps/selinux.hpp"
#include "bake/tree_disk.hpp"
#include "bake/workspace.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;
using plan::Operation;
using plan::Stage;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

class Pipeline {
public:
    Pipeline(const profile::Profile& p, const plan::Plan& plan, const BuildOptions& o,
             Progress& progress)
        : profile_(p), plan_(plan), options_(o), progress_(progress) {}

    BuildResult run() {
        auto start = Clock::now();
        const std::int64_t epoch = plan_.source_date_epoch.seconds;
        Workspace work(options_.work_parent.empty() ? default_work_parent() : options_.work_parent,
                       options_.keep_work);
        std::ofstream log(work / "build.log");
        set_log_sink([&log](const std::string& line) { log << line << "\n" << std::flush; });
        set_child_record((work / "tool.pgid").string());
        set_build_environment({"SOURCE_DATE_EPOCH=" + std::to_string(epoch)});
        struct SinkReset {
            ~SinkReset() {
                set_log_sink({});
                set_child_record({});
                set_build_environment({});
            }
        } reset_sink;
        StagedOutputs staged(options_.output_dir);
        Context ctx(options_, progress_, work.path(), profile_.package_manager);
        ctx.tree = work / "tree";
        ctx.source_date_epoch = epoch;
        Executor executor(ctx);
        if (options_.use_cache)
            cache_.emplace(options_.cache_dir.empty() ? default_cache_dir() : options_.cache_dir);
        std::vector<OutputRecord> outputs;
        try {
            if (profile_.base.bootstrap)
                build_from_tree(ctx, executor);
            else
                build_from_image(ctx, executor);
            OutputWriter writer(staged, disk_, disk_format_, options_.compress_qcow2, epoch);
            executor.outputs = &writer;
            executor.run(ops_in({Stage::output}));
            outputs = writer.records();
        } catch (const Error& e) {
            progress_.fail(executor.current(), e.what());
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
                        outputs,
                        &progress_,
                        result.seconds,
                        epoch};
        const std::string& name = profile_.name.value;
        const std::vector<std::pair<std::string, nlohmann::json>> records = {
            {name + ".spdx.json", make_spdx(sbom_input(outputs, epoch))},
            {name + ".manifest.json", make_manifest(m)},
            {name + ".build.json", make_build_report(m)}};
        for (const auto& [file, document] : records)
            std::ofstream(staged.stage(file)) << document.dump(2) << "\n";
        staged.commit();
        for (const auto& o : outputs)
            if (o.status == "written") result.outputs.push_back(options_.output_dir / o.file);
        for (const auto& record : records)
            result.outputs.push_back(options_.output_dir / record.first);
        return result;
    }

private:
    // The bill of materials describes the qcow2, or the first disk written without one.
    SbomInput sbom_input(const std::vector<OutputRecord>& outputs, std::int64_t created) const {
        SbomInput in{profile_.name.value,
                     profile_.release.value,
                     profile_.package_manager,
                     guest_os_,
                     packages_,
                     {},
                     {},
                     plan_.profile_digest,
                     created};
        const OutputRecord* disk = nullptr;
        for (const auto& o : outputs)
            if (o.status == "written" &&
                (!disk || (o.format == "qcow2" && disk->format != "qcow2")))
                disk = &o;
        if (disk) in.image_file = disk->file, in.image_sha256 = in.digest = disk->sha256;
        return in;
    }

    NumberedOperations ops_in(std::initializer_list<Stage> stages) const {
        NumberedOperations out;
        for (std::size_t i = 0; i < plan_.operations.size(); ++i)
            for (Stage s : stages)
                if (plan_.operations[i].stage == s) out.emplace_back(i + 1, &plan_.operations[i]);
        return out;
    }

    // A bootstrap base: every stage up to sysprep on a tree on the host, then the disk made
    // from it (TreeDisk).
    void build_from_tree(Context& ctx, Executor& executor) {
        const Operation& bootstrap = *ops_in({Stage::base}).front().second;
        base_kind_ = bootstrap.name();
        base_digest_ = bootstrap.digest;

        if (auto cached = cache_ ? cache_->find(plan_.package_layer_digest) : std::nullopt) {
            auto t = Clock::now();
            LayerCache::copy_tree(*cached, ctx.tree);
            double seconds = since(t);
            cache_hit_ = true;
            executor.skip_cached(ops_in({Stage::base, Stage::packages}),
                                 "package layer " + plan_.package_layer_digest.substr(0, 12));
            progress_.add_phase_time("cache-restore", seconds);
            progress_.info("package layer restored from the cache in " +
                           std::to_string(static_cast<int>(seconds)) + " s");
        } else {
            build_package_layer(ctx, executor, std::get<plan::Bootstrap>(bootstrap.action));
        }

        NativeRoot root(ctx.tree);
        ctx.root = &root;
        executor.run(ops_in(
            {Stage::customize, Stage::scripts, Stage::firstboot, Stage::seal, Stage::sysprep}));
        packages_ = installed_packages(ctx);
        guest_os_ = read_guest_os(*ctx.root);

        disk_ = ctx.work / "disk.raw";
        disk_format_ = "raw";
        TreeDisk disk(ctx, plan_.profile_digest, disk_,
                      appliance_tools(plan_) == ApplianceTools::with_setfiles);
        executor.tree_disk = &disk;
        executor.finished_disk = &disk;
        executor.run(ops_in({Stage::disk}));
        disk.close();
        executor.tree_disk = nullptr;
        executor.finished_disk = nullptr;
        ctx.root = nullptr;
    }

    // The bootstrap and the packages stage into an empty tree, kept in the cache.
    void build_package_layer(Context& ctx, Executor& executor, const plan::Bootstrap& bootstrap) {
        fs::create_directories(ctx.tree);
        if (cache_) executor.package_cache = cache_->package_cache(package_cache_name(bootstrap));
        executor.run(ops_in({Stage::base}));
        NativeRoot root(ctx.tree);
        ctx.root = &root;
        executor.run(ops_in({Stage::packages}));
        // The bootstrap copied the build host's files; a template must not carry them.
        root.write_file("/etc/hostname", "localhost\n", 0644, 0, 0);
        root.write_file("/etc/resolv.conf", "", 0644, 0, 0);
        ctx.root = nullptr;
        if (cache_) {
            auto t = Clock::now();
            cache_->store(plan_.package_layer_digest, ctx.tree);
            progress_.add_phase_time("cache-store", since(t));
        }
    }

    // An image base: imported and grown on the host, then every other stage in one appliance.
    void build_from_image(Context& ctx, Executor& executor) {
        const auto& image = *profile_.base.image;
        base_kind_ = "image";
        base_digest_ = image.sha256.value;
        disk_ = ctx.work / "disk.qcow2";
        disk_format_ = "qcow2";
        ImageBase base(ctx, disk_, cache_ ? cache_->directory() / "images" : ctx.work / "images");
        executor.image_base = &base;
        executor.run(ops_in({Stage::base}));
        executor.image_base = nullptr;

        Appliance appliance(options_.accel, appliance_tools(plan_));
        appliance.add_disk(disk_, "qcow2");
        appliance.set_network(!ops_in({Stage::packages, Stage::scripts}).empty());
        auto t = Clock::now();
        appliance.launch();
        progress_.add_phase_time("appliance-launch", since(t));
        require_relabel_tool(plan_, appliance.has_feature("selinuxrelabel"));
        base.mount_and_grow(appliance);
        ApplianceDisk guest(appliance);
        ctx.root = &guest.files();
        executor.run(ops_in({Stage::packages, Stage::customize, Stage::scripts, Stage::firstboot,
                             Stage::seal, Stage::sysprep}));
        packages_ = installed_packages(ctx);
        guest_os_ = read_guest_os(*ctx.root);
        executor.finished_disk = &guest;
        executor.run(ops_in({Stage::disk}));
        executor.finished_disk = nullptr;
        ctx.root = nullptr;
        appliance.shutdown();
    }

    const profile::Profile& profile_;
    const plan::Plan& plan_;
    const BuildOptions& options_;
    Progress& progress_;
    std::optional<LayerCache> cache_;
    bool cache_hit_ = false;
    std::string base_kind_, base_digest_;
    fs::path disk_;
    std::string disk_format_;
    std::vector<InstalledPackage> packages_;
    GuestOs guest_os_;
};

}  // namespace

BuildResult run_build(const profile::Profile& profile, const plan::Plan& plan,
                      const BuildOptions& options, Progress& progress) {
    return Pipeline(profile, plan, options, progress).run();
}

}  // namespace kiln::bake
