#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "cli/load_profile.hpp"
#include "cli/profile_options.hpp"
#include "inventory/inventory.hpp"
#include "kiln/atomic_file.hpp"
#include "kiln/error.hpp"
#include "kiln/grammar.hpp"
#include "metadata/formats.hpp"
#include "metadata/transport_limits.hpp"
#include "pki/cluster_tls.hpp"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;

class MetadataCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions&) override {
        app.add_option("--inventory", inventory_, "Cluster inventory (YAML)")->required();
        app.add_option("--node", node_, "Only this node (default: every node)");
        std::map<std::string, metadata::Format> formats;
        for (const auto& [format, name] : name_table(metadata::Format{}))
            formats[std::string(name)] = format;
        app.add_option("--format", format_,
                       "guestinfo, govc, terraform, ovf-properties, cloud-init or fw_cfg")
            ->required()
            ->transform(CLI::CheckedTransformer(formats));
        app.add_option("-o,--output", output_, "Write the files into this folder (mode 0600)");
        app.add_option("--secrets", secrets_,
                       "YAML file with postgres_password, replication_password, rest_password, "
                       "vrrp_password (else KILN_POSTGRES_PASSWORD ... from the environment)");
        app.add_option("--pki-dir", pki_dir_,
                       "The cluster's CA (ca.crt, ca.key 0600): reused, or made when the folder "
                       "has none (default: CLUSTER.pki beside the --secrets file, else in the "
                       "current folder)");
        app.add_option("--profile", profile_,
                       "Check the inventory against the image this profile builds (its DCS "
                       "servers)");
        profile_options_.register_options(app);
        app.add_option("--network", network_, "vSphere network name for ovf-properties")
            ->default_val("VM Network")
            ->check([](const std::string& name) {
                auto problem = grammar::utf8(name);
                if (!problem) problem = grammar::single_line(name);
                return problem ? "the network name " + *problem : std::string();
            });
    }

    int run() override {
        Report report;
        auto inventory = inventory::load(inventory_, report);
        std::map<std::string, std::string> secrets;
        if (inventory) secrets = inventory::load_secrets(secrets_, inventory->dcs, report);
        if (inventory && node_ &&
            std::none_of(inventory->nodes.begin(), inventory->nodes.end(),
                         [&](const auto& n) { return n.name == *node_; }))
            report.error(Location{"--node"}, "no node named '" + *node_ + "' in " + inventory_);
        if (inventory && profile_) check_against_profile(*inventory, report);
        if (!report.empty()) std::cerr << report.format(nullptr);
        if (report.has_errors()) throw InvalidInput("no metadata written");

        pki::Authority authority =
            pki::load_or_create_authority(pki_dir(inventory->cluster), inventory->cluster);
        std::vector<metadata::File> files;
        for (const auto& node : inventory->nodes) {
            if (node_ && node.name != *node_) continue;
            auto node_secrets = secrets;
            pki::add_node_tls(authority, *inventory, node, node_secrets);
            auto values = inventory::node_metadata(*inventory, node, node_secrets);
            for (const auto& problem : metadata::transport_problems(format_, values))
                report.error(Location{node.name}, problem);
            for (auto& file : metadata::render(format_, node.name, values, network_))
                files.push_back(std::move(file));
        }
        if (report.has_errors()) {
            std::cerr << report.format(nullptr);
            throw InvalidInput("no metadata written");
        }
        if (!output_) {
            for (const auto& file : files) {
                if (files.size() > 1) std::cout << "# ==> " << file.name << " <==\n";
                std::cout << file.content;
            }
            return 0;
        }
        std::error_code ec;
        fs::create_directories(*output_, ec);
        if (ec) throw SystemError("cannot create " + *output_, ec.value());
        for (const auto& file : files)
            write_file_atomically(fs::path(*output_) / file.name, file.content, file.mode);
        for (const auto& file : files)
            std::cout << (fs::path(*output_) / file.name).string() << "\n";
        return 0;
    }

private:
    fs::path pki_dir(const std::string& cluster) const {
        if (pki_dir_) return *pki_dir_;
        fs::path beside = secrets_ ? fs::path(*secrets_).parent_path() : fs::path();
        return pki::default_pki_dir(beside.empty() ? fs::path(".") : beside, cluster);
    }

    // The cluster's `dcs` must be a server the image carries, as kiln-firstboot will check.
    void check_against_profile(const inventory::Inventory& inventory, Report& report) {
        profile::Profile p =
            load_profile_or_throw(*profile_, profile_options_.load_options(), false);
        std::vector<std::string> carried;
        for (const auto& server : p.firstboot.dcs_servers) carried.push_back(server.value);
        if (carried.empty()) carried.push_back(p.firstboot.dcs.value);
        if (std::find(carried.begin(), carried.end(), inventory.dcs) == carried.end())
            report.error(Location{inventory_}, "'dcs': the image of " + *profile_ + " carries no " +
                                                   inventory.dcs + " server; it offers " +
                                                   fmt::to_string(fmt::join(carried, ", ")) +
                                                   " (its firstboot.dcs_servers)");
    }

    std::string inventory_;
    std::optional<std::string> profile_;
    ProfileOptions profile_options_;
    std::optional<std::string> node_;
    metadata::Format format_{};
    std::optional<std::string> output_;
    std::optional<std::string> secrets_;
    std::optional<std::string> pki_dir_;
    std::string network_;
};

}  // namespace

std::unique_ptr<Command> make_metadata_command() {
    return std::make_unique<MetadataCommand>();
}

}  // namespace kiln::cli
