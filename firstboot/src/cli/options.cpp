#include "cli/options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "kiln/version.hpp"
#include "run_mode.hpp"

namespace kiln::firstboot {

std::optional<RunOptions> parse_command_line(int argc, char** argv) {
    RunOptions o;
    CLI::App app{
        "kiln-firstboot: configures a cloned kiln node from its metadata and starts the cluster",
        "kiln-firstboot"};
    app.set_version_flag("--version", std::string("kiln-firstboot ") + kiln::kVersion);
    std::string root = "/";
    std::string metadata, ovf_env, bus;
    int timeout = 300;
    app.add_option("--root", root, "System root to read from and write into (default /)");
    app.add_option("--metadata", metadata,
                   "A metadata document (cloud-init keys + a kiln: map), JSON or YAML");
    app.add_option("--ovf-env", ovf_env, "An OVF environment document (ovf-env.xml)");
    app.add_flag("--render-only", o.render_only,
                 "Render every file into --root and check it; start nothing");
    app.add_flag("--reconfigure", o.reconfigure,
                 "Apply changed metadata on a node configured before");
    app.add_flag(
        "--no-check", [&](std::int64_t) { o.check = false; },
        "Skip haproxy/keepalived/patroni checks");
    app.add_option("--bus", bus, "D-Bus address to use instead of the system bus (tests)");
    app.add_option("--unit-timeout", timeout, "Seconds to wait for each unit to start")
        ->check(CLI::Range(1, 3600));
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        return std::nullopt;
    } catch (const CLI::CallForVersion& e) {
        app.exit(e);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }
    o.root = root;
    if (!metadata.empty()) o.metadata_file = metadata;
    if (!ovf_env.empty()) o.ovf_env_file = ovf_env;
    if (!bus.empty()) o.bus_address = bus;
    o.unit_timeout = std::chrono::seconds(timeout);
    if (auto problem = RunMode(o).usage_problem()) throw UsageError(*problem);
    return o;
}

}  // namespace kiln::firstboot
