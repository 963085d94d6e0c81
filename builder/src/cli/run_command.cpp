#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "inventory/inventory.hpp"
#include "kiln/error.hpp"
#include "run/cluster.hpp"

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
        app.add_option("--accel", options_.accel, "auto, kvm or tcg")
            ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
            ->default_val("auto");
        app.add_option("--memory", options_.memory_mb, "MiB per VM")
            ->default_val(2048)
            ->check(CLI::Range(512, 65536));
        app.add_option("--cpus", options_.cpus, "vCPUs per VM")
            ->default_val(2)
            ->check(CLI::Range(1, 64));
        app.add_option("--port-base", options_.port_base, "First loopback port to try")
            ->default_val(20000)
            ->check(CLI::Range(1024, 65000));
        app.add_flag("--down", down_, "Stop the cluster and delete its clones and network");
        app.add_option("--kill", kill_, "Pull the plug on one node (SIGKILL to its QEMU)");
        app.add_option("--start", start_, "Boot a killed node again from its own clone");
        app.add_flag("--json", global.json, "Print the ports as JSON");
    }

    int run() override {
        if (state_dir_) options_.state_dir = *state_dir_;
        if (int actions = down_ + kill_.has_value() + start_.has_value(); actions > 1)
            throw UsageError("--down, --kill and --start are separate actions: give one");
        if (down_ || kill_ || start_) {
            if (!state_dir_ && options_.inventory.empty())
                throw UsageError(
                    "--down, --kill and --start need --state-dir or --inventory to "
                    "find the cluster");
            std::filesystem::path dir =
                state_dir_ ? std::filesystem::path(*state_dir_) : state_dir_from_inventory();
            if (down_) run::down(dir);
            if (kill_) run::kill_node(dir, *kill_);
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
        run::ClusterState state = run::up(options_);
        if (global_->json) {
            std::cout << state.to_json().dump(2) << "\n";
            return 0;
        }
        std::cout << fmt::format("cluster {} is booting ({} nodes, state in {})\n", state.cluster,
                                 state.nodes.size(), state.state_dir.string());
        std::cout << fmt::format("  primary  (VIP {}:5000)  127.0.0.1:{}\n", state.vip,
                                 state.primary_port);
        std::cout << fmt::format("  replicas (VIP {}:5001)  127.0.0.1:{}\n", state.vip,
                                 state.replica_port);
        std::cout << fmt::format("  haproxy stats (:7000)   127.0.0.1:{}\n", state.stats_port);
        for (const auto& n : state.nodes)
            std::cout << fmt::format("  ssh {:<8} ({})   ssh -p {} ADMIN@127.0.0.1\n", n.name,
                                     n.address, n.ssh_port);
        std::cout << fmt::format("stop it with: kiln run --down --state-dir {}\n",
                                 state.state_dir.string());
        return 0;
    }

private:
    std::filesystem::path state_dir_from_inventory();

    GlobalOptions* global_ = nullptr;
    run::UpOptions options_;
    std::optional<std::string> secrets_;
    std::optional<std::string> state_dir_;
    bool down_ = false;
    std::optional<std::string> kill_;
    std::optional<std::string> start_;
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
