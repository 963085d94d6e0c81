#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "inventory/inventory.hpp"
#include "kiln/error.hpp"
#include "run/cluster.hpp"
#include "run/lifecycle.hpp"
#include "run/pause.hpp"

namespace kiln::cli {

namespace {

class RunCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions& global) override {
        global_ = &global;
        app.add_option("image", options_.image, "Image to clone (never written)");
        app.add_option("--inventory", options_.inventory, "Cluster inventory (YAML)");
        app.add_option("--secrets", secrets_,
                       "Secrets file (else KILN_*_PASSWORD from the environment)");
        app.add_option("--state-dir", state_dir_,
                       "Where clones, metadata and logs live (default /var/tmp/kiln-run/CLUSTER)");
        app.add_option("--pki-dir", options_.pki_dir,
                       "The cluster's CA, reused or made there (default STATE_DIR/CLUSTER.pki, "
                       "deleted by --down)");
        app.add_option("--accel", options_.accel, "auto, kvm or tcg")
            ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
            ->default_val("auto");
        hardware_option_ =
            app.add_option("--hardware", hardware_,
                           "Device models of the nodes' disks and NICs: virtio (default), or "
                           "vmware (the OVA's PVSCSI and VMXNET3)")
                ->check(CLI::IsMember(enum_names<run::Hardware>()));
        app.add_option("--memory", options_.memory_mb, "MiB per VM")
            ->default_val(2048)
            ->check(CLI::Range(512, 65536));
        app.add_option("--cpus", options_.cpus, "vCPUs per VM")
            ->default_val(2)
            ->check(CLI::Range(1, 64));
        app.add_option("--port-base", options_.port_base, "First loopback port to try")
            ->default_val(20000)
            ->check(CLI::Range(1024, 65000));
        app.add_option("--data-size", options_.data_size, "Each node's data disk (e.g. 8G)")
            ->default_val("8G");
        app.add_option("--defer", options_.deferred,
                       "Create NODE powered off (boot it later with --start NODE); repeatable");
        app.add_flag("--down", down_, "Stop the cluster and delete its clones and network");
        app.add_option("--kill", kill_, "Pull the plug on one node (SIGKILL to its QEMU)");
        app.add_option("--pause", pause_,
                       "Stall one node as a vMotion stun or a storage hiccup does (SIGSTOP to "
                       "its QEMU) until --resume");
        app.add_option("--resume", resume_, "Continue a paused node (SIGCONT to its QEMU)");
        app.add_option("--stop", stop_, "Shut one node down cleanly (ACPI power button)");
        app.add_option("--start", start_, "Boot a stopped, killed or deferred node");
        app.add_option("--replace", replace_,
                       "Give NODE a new OS disk (from --image, else its own image), keeping its "
                       "data disk; a leader first hands over to a synchronous standby");
        app.add_flag("--rolling", rolling_,
                     "Replace every node onto --image: replicas first, the leader last");
        app.add_option("--wipe-data", wipe_data_,
                       "Drill: give NODE a blank data disk (its OS disk kept); it rebuilds from "
                       "the cluster");
        app.add_option("--image", new_image_, "The image --replace and --rolling move onto");
        app.add_flag("--json", global.json, "Print the ports as JSON");
    }

    int run() override {
        if (state_dir_) options_.state_dir = *state_dir_;
        int actions = down_ + kill_.has_value() + pause_.has_value() + resume_.has_value() +
                      start_.has_value() + stop_.has_value() + replace_.has_value() + rolling_ +
                      wipe_data_.has_value();
        if (actions > 1)
            throw UsageError(
                "--down, --kill, --pause, --resume, --stop, --start, --replace, --rolling and "
                "--wipe-data are separate actions: give one");
        if (rolling_ && !new_image_) throw UsageError("--rolling needs --image NEW.qcow2");
        if (new_image_ && !replace_ && !rolling_)
            throw UsageError("--image goes with --replace or --rolling");
        if (actions == 1 && hardware_option_->count() > 0)
            throw UsageError(
                "--hardware is chosen when the cluster starts: its nodes keep that hardware");
        if (actions == 1) {
            if (!state_dir_ && options_.inventory.empty())
                throw UsageError(
                    "--down, --kill, --pause, --resume, --stop, --start, --replace, --rolling and "
                    "--wipe-data need --state-dir or --inventory to find the cluster");
            std::filesystem::path dir =
                state_dir_ ? std::filesystem::path(*state_dir_) : state_dir_from_inventory();
            if (replace_ || rolling_ || wipe_data_) return lifecycle(dir);
            if (down_) run::down(dir);
            if (kill_) run::kill_node(dir, *kill_);
            if (pause_) run::pause_node(dir, *pause_);
            if (resume_) run::resume_node(dir, *resume_);
            if (stop_ && !run::stop_node(dir, *stop_, std::chrono::minutes(3)))
                std::cerr << "kiln: warning: " << *stop_
                          << " did not power off within 3 minutes: killed\n";
            if (start_) {
                run::NodeState node = run::start_node(dir, *start_);
                if (global_->json)
                    std::cout << nlohmann::json{{"name", node.name}, {"pid", node.pid}}.dump()
                              << "\n";
                else
                    std::cout << fmt::format("{} is booting (ssh -p {} ADMIN@127.0.0.1)\n",
                                             node.name, node.ssh_port);
            }
            return 0;
        }
        if (options_.image.empty() || options_.inventory.empty())
            throw UsageError("kiln run needs an IMAGE and --inventory");
        options_.secrets = secrets_;
        options_.hardware = *parse_enum<run::Hardware>(hardware_);
        run::ClusterState state = run::up(options_);
        if (global_->json) {
            std::cout << state.to_json().dump(2) << "\n";
            return 0;
        }
        std::cout << fmt::format("cluster {} is booting ({} nodes on {} hardware, state in {})\n",
                                 state.cluster, state.nodes.size(), to_string(state.hardware),
                                 state.state_dir.string());
        std::cout << fmt::format("  primary  (VIP {}:5000)  127.0.0.1:{}\n", state.vip,
                                 state.primary_port);
        std::cout << fmt::format("  replicas (VIP {}:5001)  127.0.0.1:{}\n", state.vip,
                                 state.replica_port);
        std::cout << fmt::format("  haproxy stats (:7000)   127.0.0.1:{}\n", state.stats_port);
        std::cout << fmt::format(
            "  cluster CA              {}/ca.crt (psql sslmode=verify-ca "
            "sslrootcert=...)\n",
            state.pki_dir.string());
        for (const auto& n : state.nodes)
            std::cout << fmt::format(
                "  ssh {:<8} ({})   ssh -p {} ADMIN@127.0.0.1{}\n", n.name, n.address, n.ssh_port,
                n.pid ? "" : "   (powered off: kiln run --start " + n.name + ")");
        std::cout << fmt::format("stop it with: kiln run --down --state-dir {}\n",
                                 state.state_dir.string());
        return 0;
    }

private:
    std::filesystem::path state_dir_from_inventory();

    int lifecycle(const std::filesystem::path& dir) {
        run::LifecycleOptions options;
        bool json = global_->json;
        options.progress = [json](const run::LifecycleEvent& e) {
            if (json)
                std::cout << nlohmann::json{{"node", e.node},
                                            {"step", e.step},
                                            {"detail", e.detail},
                                            {"seconds", e.seconds}}
                                 .dump()
                          << std::endl;
            else
                std::cout << fmt::format("{:<8} {:>6.1f} s  {}: {}", e.node, e.seconds, e.step,
                                         e.detail)
                          << std::endl;
        };
        if (rolling_) run::rolling_replace(dir, *new_image_, options);
        if (replace_) run::replace_node(dir, *replace_, {new_image_, true, false}, options);
        if (wipe_data_) run::replace_node(dir, *wipe_data_, {std::nullopt, false, true}, options);
        return 0;
    }

    GlobalOptions* global_ = nullptr;
    run::UpOptions options_;
    std::optional<std::string> secrets_;
    std::string hardware_ = "virtio";
    CLI::Option* hardware_option_ = nullptr;
    std::optional<std::string> state_dir_;
    bool down_ = false;
    std::optional<std::string> kill_;
    std::optional<std::string> pause_;
    std::optional<std::string> resume_;
    std::optional<std::string> start_;
    std::optional<std::string> stop_;
    std::optional<std::string> replace_;
    std::optional<std::string> wipe_data_;
    std::optional<std::filesystem::path> new_image_;
    bool rolling_ = false;
};

std::filesystem::path RunCommand::state_dir_from_inventory() {
    Report report;
    auto inv = inventory::load(options_.inventory, report);
    if (!inv) throw InvalidInput(report.format(nullptr) + "cannot find the cluster to stop");
    return run::default_state_dir(inv->cluster);
}

}  // namespace

std::unique_ptr<Command> make_run_command() {
    return std::make_unique<RunCommand>();
}

}  // namespace kiln::cli
