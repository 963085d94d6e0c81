#include "first_boot.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <ranges>
#include <thread>

#include "apply/commit.hpp"
#include "apply/identity.hpp"
#include "apply/stamp.hpp"
#include "check/checks.hpp"
#include "core/accounts.hpp"
#include "core/root_dir.hpp"
#include "dcs/etcd_member.hpp"
#include "dcs/quorum.hpp"
#include "kiln/dcs.hpp"
#include "kiln/join.hpp"
#include "kiln/node_schema.hpp"
#include "render/render.hpp"
#include "report/status.hpp"
#include "run_mode.hpp"
#include "sources/collect.hpp"
#include "storage/data_disk.hpp"
#include "systemd/manager.hpp"
#include "validate/validate.hpp"

namespace kiln::firstboot {

namespace {

class StageFailed : public Error {
public:
    StageFailed(const std::string& message, ExitCode code) : Error(message, code) {}
};

class FirstBoot {
public:
    FirstBoot(const RunOptions& options, Log& log) : o_(options), mode_(options), log_(log) {}

    ExitCode run() {
        ExitCode code = ExitCode::ok;
        try {
            code = stages();
        } catch (const Error& e) {
            code = fail(e.what(), e.code());
        } catch (const std::exception& e) {
            code = fail(e.what(), ExitCode::failed);
        }
        log_.notify_ready();  // Type=notify: a run that ends early (or fails) is done too
        return code;
    }

private:
    ExitCode stages() {
        begin("collect");
        root_.emplace(o_.root);
        if (mode_.may_use_guestinfo()) guestinfo_ = GuestInfo::detect(root());
        CollectOptions co{o_.metadata_file, o_.ovf_env_file, mode_.may_mount_cdrom()};
        collection_ = collect(root(), co, guestinfo_ ? &*guestinfo_ : nullptr);
        hide_collected_secrets();
        status_.transports = collection_.transports_found;
        finish(std::to_string(collection_.metadata.all().size()) + " values from " +
               (collection_.transports_found.empty() ? std::string("image defaults only")
                                                     : join(collection_.transports_found)));

        if (mode_.configures_node() && collection_.transports_found.empty())
            return wait_for_metadata();
        if (mode_.configures_node())
            if (auto stamp = already_configured()) return later_boot(*stamp);

        begin("validate");
        auto node = validate(collection_, root());
        print_diagnostics();
        status_.report = collection_.report;
        if (!node)
            throw StageFailed(std::to_string(collection_.report.error_count()) +
                                  " problem(s) in the node metadata; " + first_error(),
                              ExitCode::invalid_input);
        log_.hide(node->secrets());
        status_.instance_id = node->instance_id;
        finish(node->hostname + ", instance " + node->instance_id);

        std::optional<Stamp> previous = read_stamp(root());
        if (mode_.reconfigure() && previous && previous->metadata_digest == node->metadata_digest) {
            log_.info("metadata unchanged since " + previous->configured_at + "; nothing to do");
            return later_boot(*previous);
        }

        begin("render");
        Accounts accounts = load_accounts(root());
        Layout layout = layout_for(node->image.os_family);
        StatePaths paths = state_paths(node->image, layout.dcs_data);
        node->image.postgres_data_dir = paths.postgres_data_dir.string();
        layout.dcs_data = paths.dcs;
        const MemberIdentity member = member_identity(*node);
        RenderContext context{
            *node, root(), accounts, layout, {"new", founder_initial_cluster(member), false, {}}};
        Report render_report;
        Rendering rendering = render_all(context, render_report);
        check_report(render_report);
        finish(std::to_string(rendering.files.size()) + " files");

        if (o_.check) {
            begin("check");
            Report check_report_;
            CheckOptions options{o_.root, mode_.render_only(), node->secrets()};
            auto outcomes = run_checks(rendering, options, check_report_);
            auto summary = [](const CheckOutcome& outcome) {
                return outcome.tool +
                       (outcome.ran ? (outcome.ok ? " ok" : " FAILED") : " not installed");
            };
            for (const auto& outcome : outcomes)
                if (!outcome.note.empty()) log_.info(outcome.tool + ": " + outcome.note);
            check_report(check_report_);
            finish(join_mapped(outcomes, ", ", summary));
        }

        begin("commit");
        // Files on the data disk (a DCS member's myid) wait until it is mounted over its folder.
        Rendering on_data_disk;
        if (node->image.data_disk && !mode_.render_only())
            on_data_disk = rendering.take_files_under(node->image.data_disk->mount);
        commit_rendering(rendering, accounts, root(), mode_.sets_owners());
        finish(std::to_string(rendering.files.size()) + " files into " + o_.root.string());
        if (mode_.render_only()) {
            log_.info("rendered into " + o_.root.string() + " (--render-only: nothing started)");
            return ExitCode::ok;
        }

        bus::Bus bus = open_bus();
        std::optional<SystemdManager> manager;
        if (bus) manager.emplace(bus.get());
        begin("identity");
        bool new_instance = previous && previous->instance_id != node->instance_id;
        apply_identity(root(), mode_.on_this_system(), node->hostname, new_instance, bus.get(),
                       log_);
        finish(node->hostname);
        // Identity, keys and authorized_keys are in place: sshd and logins may go ahead while
        // the data disk, the DCS membership and the cluster units follow (the unit is ordered
        // before sshd; the cluster units are not enabled yet).
        log_.notify_ready();
        if (!manager)
            throw Error("no D-Bus connection to systemd: cannot start the cluster services");
        if (!rendering.network_unit.empty()) {
            // Before the membership: the peers answer only on the static address.
            begin("network");
            log_.notify_status("restarting " + rendering.network_unit);
            manager->restart(rendering.network_unit, o_.unit_timeout);
            finish("restarted " + rendering.network_unit + " for the static address");
        }

        // Only now, with every file rendered, checked and committed, does the run touch disks
        // and the cluster's membership.
        bool configured_before = previous.has_value();
        configured_before |= prepare_storage(node->image, member, accounts, layout, manager);
        commit_rendering(on_data_disk, accounts, root(), mode_.sets_owners());
        // The membership is the real cluster's: a run on a tree (a test's root) keeps the
        // rendered founder's environment.
        if (node->dcs == "etcd" && mode_.on_this_system())
            settle_etcd_membership(member, layout, layout.dcs_data.etcd, node->image.failover,
                                   configured_before);

        begin("start");
        mark_configured(root());
        const std::vector<std::string> units = cluster_units(*node, *manager);
        start_units(*manager, units, *dcs::find(node->dcs), node->peers);
        manager->enable(units, o_.unit_timeout);
        finish(join(units));

        begin("stamp");
        write_stamp(root(), {node->instance_id, node->metadata_digest, utc_now(), member});
        finish(node->instance_id);

        if (node->image.scrub_secrets) scrub();
        status_.ok = true;
        status_.waiting = false;
        status_.stage = "done";
        status_.message = "configured " + node->hostname + " and started " + join(units);
        publish();
        log_.notify_status("configured");
        return ExitCode::ok;
    }

    bus::Bus open_bus() {
        if (!o_.bus_address && !mode_.may_use_system_bus()) return {};
        try {
            return bus::open_bus(o_.bus_address);
        } catch (const bus::BusError& e) {
            log_.warning(e.what());
            return {};
        }
    }

    // The data disk: found or formatted, mounted, checked, given its service folders. Returns
    // whether it already held this member's state (then the member was configured before, even
    // if this OS disk is new).
    bool prepare_storage(const image::ImageConfig& image, const MemberIdentity& member,
                         const Accounts& accounts, const Layout& layout,
                         std::optional<SystemdManager>& manager) {
        if (!image.data_disk) return false;
        begin("storage");
        if (!mode_.prepares_data_disk()) {
            finish("skipped: the root " + o_.root.string() + " is not this system's");
            return false;
        }
        const image::DataDisk& disk = *image.data_disk;
        FoundDisk found = find_or_format_data_disk(disk, o_.root, log_);
        std::string unit = image::mount_unit_name(disk.mount);
        if (!manager) throw Error("no D-Bus connection to systemd: cannot mount " + disk.mount);
        manager->start(unit, o_.unit_timeout);
        bool had_state =
            !found.formatted_now && root().exists(std::filesystem::path(disk.mount) / ".kiln");
        for (const auto& note : prepare_state_directories(disk, found.device, member, accounts,
                                                          layout.postgres_user, o_.root))
            log_.warning(note);
        finish(found.device.string() + (found.formatted_now ? " formatted and" : "") +
               " mounted on " + disk.mount);
        return had_state;
    }

    // A new data disk has no myid: the member gets its id again (its data syncs from the
    // ensemble's leader once it runs).
    void restore_zookeeper_myid(const MemberIdentity& member, const DcsDataDirs& data) {
        if (root().exists(data.zookeeper / "myid")) return;
        auto myid = zookeeper_myid_file(member.peers, member.name, data.zookeeper);
        if (!myid) return;
        Rendering file;
        file.files.push_back(std::move(*myid));
        commit_rendering(file, load_accounts(root()), root(), mode_.sets_owners());
        log_.info("wrote ZooKeeper's myid again on the new data disk");
    }

    bool has_etcd_member_data(const std::filesystem::path& data_dir) const {
        return root().exists(data_dir / "member");
    }

    void write_etcd_environment(const MemberIdentity& member, const Layout& layout,
                                const std::filesystem::path& data_dir, const EtcdBootstrap& etcd,
                                const failover::Timing& timing) {
        Rendering env;
        env.files.push_back(
            {layout.etcd_environment, etcd_environment({member.name, member.address, member.cluster,
                                                        data_dir, etcd, member.tls, timing})});
        commit_rendering(env, load_accounts(root()), root(), mode_.sets_owners());
    }

    // How the etcd member starts, settled with the running cluster: a founder founds, any other
    // node waits (reporting it) until the founder's cluster answers, then joins. The environment
    // file says so before etcd starts; while waiting it says "join" (etcd then fails until it
    // can), never "found". `before_waiting` runs once when a wait begins.
    void settle_etcd_membership(const MemberIdentity& member, const Layout& layout,
                                const std::filesystem::path& data_dir,
                                const failover::Timing& timing, bool configured_before,
                                const std::function<void()>& before_waiting = {}) {
        begin("membership");
        auto ask = [&] {
            return prepare_etcd_member(member, has_etcd_member_data(data_dir), configured_before,
                                       log_);
        };
        EtcdBootstrap etcd = ask();
        write_etcd_environment(member, layout, data_dir, etcd, timing);
        if (etcd.waiting && before_waiting) before_waiting();
        while (etcd.waiting) {
            report_wait(member.peers, *dcs::find("etcd"), etcd.reason);
            std::this_thread::sleep_for(std::chrono::seconds(10));
            etcd = ask();
            if (!etcd.waiting) write_etcd_environment(member, layout, data_dir, etcd, timing);
        }
        finish(etcd.reason);
    }

    // A member that cannot start yet says why and how many of its peers run (status.json,
    // guestinfo.kiln.status, systemd's STATUS=), every time it looks again.
    void report_wait(const std::vector<node::Peer>& peers, const dcs::Server& server,
                     const std::string& why) {
        std::size_t up = reachable_peers(peers, server.peer_port, std::chrono::seconds(2));
        std::string message = "waiting for quorum (" +
                              std::to_string(std::max<std::size_t>(up, 1)) + " of " +
                              std::to_string(peers.size()) + " members): " + why;
        if (message != status_.message) log_.info(message);
        status_.waiting = true;
        status_.stage = stage_;
        status_.message = message;
        publish();
        log_.notify_status(message);
    }

    // The unit of the DCS member this node runs: it waits for its quorum, however long.
    static std::string dcs_unit(const std::string& dcs) {
        return std::string(dcs::find(dcs)->unit);
    }

    // Masked by an earlier run that chose another DCS server (a mask is a link in /etc).
    bool is_masked(std::string_view unit) const {
        auto entry = root().lstat(std::filesystem::path("/etc/systemd/system") / unit);
        return entry && S_ISLNK(entry->st_mode);
    }

    // The units this node runs, in start order, the chosen DCS server's among them; the
    // image's other DCS servers are disabled and masked, so that nothing starts them.
    std::vector<std::string> cluster_units(const NodeConfig& node, SystemdManager& manager) {
        const dcs::Server& chosen = *dcs::find(node.dcs);
        std::vector<std::string> others;
        for (const auto& name : image::carried_dcs_servers(node.image))
            if (const dcs::Server* server = dcs::find(name); server && name != node.dcs)
                others.emplace_back(server->unit);
        if (is_masked(chosen.unit)) manager.unmask({std::string(chosen.unit)}, o_.unit_timeout);
        manager.disable_and_mask(others, o_.unit_timeout);
        if (!others.empty())
            log_.info("masked " + join(others) + ": this cluster uses " + node.dcs);
        return dcs::start_order(node.image.services, chosen);
    }

    void start_units(SystemdManager& manager, const std::vector<std::string>& units,
                     const dcs::Server& dcs_member, const std::vector<node::Peer>& peers) {
        std::chrono::milliseconds timeout = o_.unit_timeout;
        for (const auto& unit : units) {
            log_.notify_status("starting " + unit);
            status_.timeline.push_back({unit, seconds_since_boot(), std::nullopt});
            try {
                if (unit == dcs_member.unit)
                    manager.start_patiently(unit, std::chrono::seconds(10), [&] {
                        report_wait(peers, dcs_member,
                                    unit + " starts when a majority of its members runs");
                    });
                else
                    manager.start(unit, timeout);
            } catch (const Error&) {
                // Nothing half-applied: stop what this run started, in reverse, and keep the
                // cluster units from starting on the next boot.
                for (auto it = status_.units_started.rbegin(); it != status_.units_started.rend();
                     ++it) {
                    try {
                        manager.stop(*it, timeout);
                    } catch (const Error& e) {
                        log_.warning(std::string("cannot stop ") + *it + ": " + e.what());
                    }
                }
                clear_configured(root());
                status_.units_started.clear();
                throw;
            }
            status_.units_started.push_back(unit);
            end_span(unit);
            if (status_.waiting) {
                status_.waiting = false;
                status_.message = unit + " has its quorum";
                publish();
            }
            log_.info("started " + unit);
        }
    }

    // The template's own boots, and a clone started without metadata, are not failures: the
    // image stays unconfigured (cluster units off) and the next boot that has metadata applies it.
    ExitCode wait_for_metadata() {
        if (auto stamp = read_stamp(root())) {
            log_.info("no node metadata this boot; keeping the configuration already applied");
            return later_boot(*stamp);
        }
        status_.stage = std::string(kWaitingStage);
        status_.message =
            "no node metadata from any transport; the node stays unconfigured until a boot "
            "that has some";
        log_.info(status_.message);
        publish();
        log_.notify_status("waiting for node metadata");
        return ExitCode::ok;
    }

    std::optional<Stamp> already_configured() {
        auto stamp = read_stamp(root());
        if (!stamp) return std::nullopt;
        const Value* id = collection_.metadata.get("instance_id");
        if (id && id->text != stamp->instance_id) {
            log_.info("new instance id '" + id->text + "' (was '" + stamp->instance_id +
                      "'): configuring again");
            return std::nullopt;
        }
        if (mode_.reconfigure()) return std::nullopt;
        log_.info("already configured as instance '" + stamp->instance_id + "' at " +
                  stamp->configured_at +
                  "; nothing to do (--reconfigure applies changed metadata)");
        return stamp;
    }

    // A configured node's later boots: the enabled units start on their own once this run is
    // ready (they are ordered after it), so first the data disk is made usable (a blank one
    // replacing a lost disk is formatted) and an etcd member whose data is gone rejoins. Every
    // later boot reports too: /run is empty after a reboot, and deploy tools poll guestinfo.
    ExitCode later_boot(const Stamp& stamp) {
        status_.instance_id = stamp.instance_id;
        scrub_ovf_environment();
        if (!stamp.member) return report_configured(stamp);
        SourceFiles sources;
        Report report;
        auto image = read_image_config(root(), sources, report);
        if (!image) throw Error("cannot read " + std::string(image::kImageConfigPath));
        // Without a data disk the services' state lives on this OS disk, which never lost it.
        if (!image->data_disk) return report_configured(stamp);
        Accounts accounts = load_accounts(root());
        Layout layout = layout_for(image->os_family);
        StatePaths paths = state_paths(*image, layout.dcs_data);
        bus::Bus bus = open_bus();
        std::optional<SystemdManager> manager;
        if (bus) manager.emplace(bus.get());
        prepare_storage(*image, *stamp.member, accounts, layout, manager);
        if (stamp.member->dcs == "zookeeper") restore_zookeeper_myid(*stamp.member, paths.dcs);
        if (stamp.member->dcs == "etcd" && mode_.on_this_system() &&
            !has_etcd_member_data(paths.dcs.etcd)) {
            // This member's etcd data is gone (a new data disk): it rejoins the running cluster
            // before etcd starts. A wait lets the enabled units start meanwhile.
            bool waited = false;
            settle_etcd_membership(*stamp.member, layout, paths.dcs.etcd, image->failover, true,
                                   [&] {
                                       log_.notify_ready();
                                       waited = true;
                                   });
            if (waited && manager) manager->restart(dcs_unit(stamp.member->dcs), o_.unit_timeout);
            status_.waiting = false;
        }
        return report_configured(stamp);
    }

    ExitCode report_configured(const Stamp& stamp) {
        status_.ok = true;
        status_.stage = "done";
        status_.instance_id = stamp.instance_id;
        status_.message = "configured as instance '" + stamp.instance_id + "' at " +
                          stamp.configured_at + "; nothing to apply this boot";
        publish();
        log_.notify_status("configured");
        return ExitCode::ok;
    }

    void scrub() {
        scrub_ovf_environment();
        if (!guestinfo_ || collection_.guestinfo_secret_keys.empty()) return;
        std::size_t done = 0;
        for (const auto& key : collection_.guestinfo_secret_keys)
            if (guestinfo_->set(key, node::kScrubbedValue)) ++done;
        log_.info("scrubbed " + std::to_string(done) + " secret-bearing guestinfo key(s)");
    }

    // vCenter injects the OVF environment again at every power-on: every boot of a configured
    // node rewrites it without the secret properties.
    void scrub_ovf_environment() {
        if (!guestinfo_ || !collection_.ovf_env_without_secrets || !collection_.image.scrub_secrets)
            return;
        if (guestinfo_->set("guestinfo.ovfEnv", *collection_.ovf_env_without_secrets))
            log_.info("rewrote guestinfo.ovfEnv without its secret properties");
        else
            log_.warning("could not rewrite guestinfo.ovfEnv without its secret properties");
        collection_.ovf_env_without_secrets.reset();
    }

    void hide_collected_secrets() {
        std::vector<std::string> secrets;
        for (const auto& v : collection_.metadata.all())
            if (const auto* spec = node::find_key(v.key); spec && spec->is_secret())
                secrets.push_back(v.text);
        log_.hide(secrets);
    }

    // Node metadata may hold a secret anywhere (under a misspelled key, folded over lines, in
    // escapes): its diagnostics say the key, the transport and the position, never quote a line.
    void print_diagnostics() {
        if (collection_.report.empty()) return;
        std::string text = collection_.report.format(nullptr);
        if (text.ends_with('\n')) text.pop_back();
        if (collection_.report.has_errors())
            log_.error(text);
        else
            log_.warning(text);
    }

    std::string first_error() const {
        for (const auto& d : collection_.report.diagnostics())
            if (d.severity == Severity::error)
                return log_.scrub(d.location.str() + ": " + d.message);
        return "";
    }

    void check_report(const Report& report) {
        if (report.empty()) return;
        std::string text = report.format(nullptr);
        if (text.ends_with('\n')) text.pop_back();
        status_.report.merge(report);
        if (report.has_errors()) {
            log_.error(text);
            const auto& d = report.diagnostics().front();
            throw StageFailed(d.location.str() + ": " + d.message.substr(0, d.message.find('\n')),
                              ExitCode::failed);
        }
        log_.warning(text);
    }

    void begin(const char* stage) {
        stage_ = stage;
        log_.stage_started(stage);
        status_.timeline.push_back({stage, seconds_since_boot(), std::nullopt});
    }
    void finish(const std::string& detail) {
        log_.stage_finished(stage_, detail);
        end_span(stage_);
    }
    // The last span of that name that has not ended, ends now.
    void end_span(const std::string& name) {
        for (auto it = status_.timeline.rbegin(); it != status_.timeline.rend(); ++it)
            if (it->name == name && !it->end) {
                it->end = seconds_since_boot();
                return;
            }
    }

    ExitCode fail(const std::string& message, ExitCode code) {
        std::string text = log_.scrub(message);
        log_.stage_failed(stage_, text);
        status_.ok = false;
        status_.stage = stage_;
        status_.message = text;
        if (mode_.configures_node()) publish();
        log_.notify_status("failed: " + text);
        return code;
    }

    void publish() {
        try {
            if (root_) write_status_file(*root_, status_);
        } catch (const std::exception& e) {
            log_.warning(std::string("cannot write the status file: ") + e.what());
        }
        if (guestinfo_) guestinfo_->set(node::kGuestinfoStatus, guestinfo_status(status_));
    }

    template <class Range>
    static std::string join(Range&& items) {
        return fmt::to_string(fmt::join(std::forward<Range>(items), ", "));
    }

    const RootDir& root() const { return *root_; }

    const RunOptions& o_;
    const RunMode mode_;
    Log& log_;
    std::optional<RootDir> root_;  // opened as the run starts
    std::string stage_ = "start-up";
    std::optional<GuestInfo> guestinfo_;
    Collection collection_;
    Status status_;
};

}  // namespace

ExitCode run_first_boot(const RunOptions& options, Log& log) {
    return FirstBoot(options, log).run();
}

}  // namespace kiln::firstboot
