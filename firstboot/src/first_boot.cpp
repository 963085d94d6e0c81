#include "first_boot.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <ranges>

#include "apply/commit.hpp"
#include "apply/identity.hpp"
#include "apply/stamp.hpp"
#include "check/checks.hpp"
#include "core/accounts.hpp"
#include "kiln/node_schema.hpp"
#include "render/render.hpp"
#include "report/status.hpp"
#include "sources/collect.hpp"
#include "systemd/manager.hpp"
#include "validate/validate.hpp"

namespace kiln::firstboot {

namespace {

class StageFailed : public Error {
public:
    StageFailed(const std::string& message, ExitCode code) : Error(message, code) {}
};

class Pipeline {
public:
    Pipeline(const RunOptions& options, Log& log) : o_(options), log_(log) {}

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
        if (!o_.render_only || o_.root != "/") guestinfo_ = GuestInfo::detect(o_.root);
        CollectOptions co{o_.root, o_.metadata_file, o_.ovf_env_file,
                          !o_.render_only && o_.root == "/"};
        collection_ = collect(co, guestinfo_ ? &*guestinfo_ : nullptr);
        hide_collected_secrets();
        status_.transports = collection_.transports_found;
        finish(std::to_string(collection_.metadata.all().size()) + " values from " +
               (collection_.transports_found.empty() ? std::string("image defaults only")
                                                     : join(collection_.transports_found)));

        if (!o_.render_only && collection_.transports_found.empty()) return wait_for_metadata();
        if (!o_.render_only)
            if (auto stamp = already_configured()) return report_configured(*stamp);

        begin("validate");
        auto node = validate(collection_, o_.root);
        print_diagnostics();
        status_.report = collection_.report;
        if (!node)
            throw StageFailed(std::to_string(collection_.report.error_count()) +
                                  " problem(s) in the node metadata; " + first_error(),
                              ExitCode::invalid_input);
        log_.hide(node->secrets());
        status_.instance_id = node->instance_id;
        finish(node->hostname + ", instance " + node->instance_id);

        if (!o_.render_only && o_.reconfigure)
            if (auto stamp = read_stamp(o_.root);
                stamp && stamp->metadata_digest == node->metadata_digest) {
                log_.info("metadata unchanged since " + stamp->configured_at + "; nothing to do");
                return report_configured(*stamp);
            }

        begin("render");
        Accounts accounts = load_accounts(o_.root);
        RenderContext context{*node, o_.root, accounts, layout_for(node->image.os_family)};
        Report render_report;
        Rendering rendering = render_all(context, render_report);
        check_report(render_report);
        finish(std::to_string(rendering.files.size()) + " files");

        if (o_.check) {
            begin("check");
            Report check_report_;
            CheckOptions options{o_.root, o_.render_only, node->secrets()};
            auto outcomes = run_checks(rendering, options, check_report_);
            auto summary = [](const CheckOutcome& outcome) {
                return outcome.tool +
                       (outcome.ran ? (outcome.ok ? " ok" : " FAILED") : " not installed");
            };
            for (const auto& outcome : outcomes)
                if (!outcome.note.empty()) log_.info(outcome.tool + ": " + outcome.note);
            check_report(check_report_);
            finish(join(outcomes | std::views::transform(summary)));
        }

        begin("commit");
        CommitOptions commit{o_.root, !o_.render_only && ::geteuid() == 0};
        commit_rendering(rendering, accounts, commit);
        finish(std::to_string(rendering.files.size()) + " files into " + o_.root.string());
        if (o_.render_only) {
            log_.info("rendered into " + o_.root.string() + " (--render-only: nothing started)");
            return ExitCode::ok;
        }

        bus::Bus bus;
        try {
            bus = bus::open_bus(o_.bus_address);
        } catch (const bus::BusError& e) {
            log_.warning(e.what());
        }

        begin("identity");
        apply_identity(o_.root, node->hostname, bus.get(), log_);
        finish(node->hostname);
        // Identity, keys and authorized_keys are in place: sshd and logins may go ahead while
        // the cluster units start (the unit is ordered before them).
        log_.notify_ready();

        begin("start");
        if (!bus) throw Error("no D-Bus connection to systemd: cannot start the cluster services");
        SystemdManager manager(bus.get());
        if (!rendering.network_unit.empty()) {
            log_.notify_status("restarting " + rendering.network_unit);
            manager.restart(rendering.network_unit, o_.unit_timeout);
            log_.info("restarted " + rendering.network_unit + " for the static address");
        }
        mark_configured(o_.root);
        start_units(manager, node->image.services);
        manager.enable(node->image.services, o_.unit_timeout);
        finish(join(node->image.services));

        begin("stamp");
        write_stamp(o_.root, {node->instance_id, node->metadata_digest, utc_now()});
        finish(node->instance_id);

        if (node->image.scrub_secrets) scrub();
        status_.ok = true;
        status_.stage = "done";
        status_.message =
            "configured " + node->hostname + " and started " + join(node->image.services);
        publish();
        log_.notify_status("configured");
        return ExitCode::ok;
    }

    void start_units(SystemdManager& manager, const std::vector<std::string>& units) {
        std::chrono::milliseconds timeout = o_.unit_timeout;
        for (const auto& unit : units) {
            log_.notify_status("starting " + unit);
            try {
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
                clear_configured(o_.root);
                status_.units_started.clear();
                throw;
            }
            status_.units_started.push_back(unit);
            log_.info("started " + unit);
        }
    }

    // The template's own boots, and a clone started without metadata, are not failures: the
    // image stays unconfigured (cluster units off) and the next boot that has metadata applies it.
    ExitCode wait_for_metadata() {
        if (auto stamp = read_stamp(o_.root)) {
            log_.info("no node metadata this boot; keeping the configuration already applied");
            return report_configured(*stamp);
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
        auto stamp = read_stamp(o_.root);
        if (!stamp) return std::nullopt;
        const Value* id = collection_.metadata.get("instance_id");
        if (id && id->text != stamp->instance_id) {
            log_.info("new instance id '" + id->text + "' (was '" + stamp->instance_id +
                      "'): configuring again");
            return std::nullopt;
        }
        if (o_.reconfigure) return std::nullopt;
        log_.info("already configured as instance '" + stamp->instance_id + "' at " +
                  stamp->configured_at +
                  "; nothing to do (--reconfigure applies changed metadata)");
        return stamp;
    }

    // Every later boot of a configured node says so too: /run is empty after a reboot, and
    // guestinfo.kiln.status is what deploy tooling polls. The enabled units start on their own.
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
        if (!guestinfo_ || collection_.guestinfo_secret_keys.empty()) return;
        std::size_t done = 0;
        for (const auto& key : collection_.guestinfo_secret_keys)
            if (guestinfo_->set(key, node::kScrubbedValue)) ++done;
        log_.info("scrubbed " + std::to_string(done) + " secret-bearing guestinfo key(s)");
    }

    void hide_collected_secrets() {
        std::vector<std::string> secrets;
        for (const auto& v : collection_.metadata.all())
            if (const auto* spec = node::find_key(v.key); spec && spec->is_secret())
                secrets.push_back(v.text);
        log_.hide(secrets);
    }

    void print_diagnostics() {
        if (collection_.report.empty()) return;
        std::string text = collection_.report.format(&collection_.sources);
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
    }
    void finish(const std::string& detail) { log_.stage_finished(stage_, detail); }

    ExitCode fail(const std::string& message, ExitCode code) {
        std::string text = log_.scrub(message);
        log_.stage_failed(stage_, text);
        status_.ok = false;
        status_.stage = stage_;
        status_.message = text;
        if (!o_.render_only) publish();
        log_.notify_status("failed: " + text);
        return code;
    }

    void publish() {
        try {
            write_status_file(o_.root, status_);
        } catch (const std::exception& e) {
            log_.warning(std::string("cannot write the status file: ") + e.what());
        }
        if (guestinfo_) guestinfo_->set(node::kGuestinfoStatus, guestinfo_status(status_));
    }

    template <class Range>
    static std::string join(Range&& items) {
        return fmt::to_string(fmt::join(std::forward<Range>(items), ", "));
    }

    const RunOptions& o_;
    Log& log_;
    std::string stage_ = "start-up";
    std::optional<GuestInfo> guestinfo_;
    Collection collection_;
    Status status_;
};

}  // namespace

ExitCode run_pipeline(const RunOptions& options, Log& log) {
    return Pipeline(options, log).run();
}

}  // namespace kiln::firstboot
