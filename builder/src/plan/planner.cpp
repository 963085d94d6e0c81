#include "plan/planner.hpp"

#include <algorithm>

#include "kiln/dcs.hpp"
#include "kiln/error.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/sha256.hpp"
#include "plan/dcs_packages.hpp"
#include "plan/initramfs_modules.hpp"

namespace kiln::plan {

using namespace kiln::profile;

std::string fallback_firstboot_unit() {
    return "# Installed by kiln build (the build tree had no units/kiln-firstboot.service).\n"
           "[Unit]\n"
           "Description=kiln first boot: node identity and cluster configuration\n"
           "After=network-online.target vmtoolsd.service open-vm-tools.service\n"
           "Wants=network-online.target\n"
           "Before=getty.target\n"
           "ConditionPathExists=!/var/lib/kiln/configured\n"
           "\n"
           "[Service]\n"
           "Type=oneshot\n"
           "ExecStart=/usr/bin/kiln-firstboot\n"
           "RemainAfterExit=yes\n"
           "StandardOutput=journal+console\n"
           "\n"
           "[Install]\n"
           "WantedBy=multi-user.target\n";
}

OvfDescription describe_ovf(const Profile& p, const Ovf* ovf) {
    OvfDescription d;
    d.base_name = p.name;
    d.vm_name = p.name;
    if (!ovf) {
        for (const auto& spec : node::keys()) d.properties.push_back({std::string(spec.name), {}});
        return d;
    }
    if (!ovf->vm_name.value.empty()) d.vm_name = ovf->vm_name;
    d.vmx_version = ovf->vmx_version;
    d.cpus = ovf->cpus;
    d.memory_mb = ovf->memory_mb;
    d.nic = ovf->nic;
    d.network = ovf->network;
    d.os_type = ovf->os_type;
    d.properties = ovf->properties;
    d.firmware = p.disk.firmware;
    for (const auto& [key, value] : p.firstboot.defaults) {
        const node::KeySpec* spec = node::find_key(key);
        if (spec && !spec->is_secret()) d.property_defaults[key] = value.value;
    }
    if (!p.firstboot.dcs.value.empty() && !d.property_defaults.count("dcs"))
        d.property_defaults["dcs"] = p.firstboot.dcs.value;
    d.annotation = p.description;
    if (p.data_disk) d.data_disk_bytes = p.data_disk->size;
    d.version = p.release;
    return d;
}

namespace {

std::string join(const TextList& list, const char* separator = " ") {
    std::string out;
    for (const auto& item : list) out += (out.empty() ? "" : separator) + item.value;
    return out;
}

std::string plural(std::size_t n, const char* word) {
    std::string w = word;
    if (n != 1) w = w.ends_with("y") ? w.substr(0, w.size() - 1) + "ies" : w + "s";
    return std::to_string(n) + " " + w;
}

bool debian_tool(BootstrapTool tool) {
    return tool == BootstrapTool::debootstrap || tool == BootstrapTool::mmdebstrap;
}

std::size_t line_count(const std::string& text) {
    auto breaks = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    return breaks + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

// A host file the image gets; a missing one plans with an empty digest and fails the build
// at the operation that installs it, naming it.
HostContent host_file(const std::filesystem::path& path) {
    std::error_code ec;
    bool found = !path.empty() && std::filesystem::is_regular_file(path, ec);
    return {path, found ? sha256_file_hex(path) : ""};
}

class Planner {
public:
    Planner(const Profile& p, const PlanInputs& inputs)
        : p_(p),
          inputs_(inputs),
          bootstrap_packages_(p.base.bootstrap ? p.base.bootstrap->packages : TextList{}),
          install_packages_(p.packages.install),
          epoch_(resolve_source_date_epoch(p.source_date_epoch, inputs.environment_epoch)) {
        add_dcs_server_packages();
    }

    Plan run() {
        base();
        packages();
        customize();
        scripts();
        firstboot();
        seal();
        sysprep();
        disk();
        outputs();
        Plan plan{p_.name.value, std::move(ops_), {}, {}, epoch_};
        Sha256 all, layer;
        for (const auto& op : plan.operations) {
            all.field(op.digest);
            if (op.stage == Stage::base || op.stage == Stage::packages) layer.field(op.digest);
        }
        plan.profile_digest = all.hex_digest();
        plan.package_layer_digest = layer.hex_digest();
        return plan;
    }

private:
    void add(Stage stage, Action action, std::string summary, const Location& where) {
        std::string digest = digest_of(action);
        ops_.push_back({stage, std::move(action), std::move(summary), where, std::move(digest)});
    }

    // Each DCS server the profile declares brings its packages: from the distribution into the
    // bootstrap (native speed) when there is one, the others after the profile's repositories.
    void add_dcs_server_packages() {
        auto listed = [](const TextList& list, const std::string& name) {
            return std::any_of(list.begin(), list.end(), [&](const Text& t) {
                return t.value.substr(0, t.value.find('=')) == name;
            });
        };
        for (const auto& server : p_.firstboot.dcs_servers) {
            DcsPackages packages = dcs_packages(server.value, p_.package_manager);
            TextList& into = packages.from_distribution && p_.base.bootstrap ? bootstrap_packages_
                                                                             : install_packages_;
            for (const auto& name : packages.names)
                if (!listed(bootstrap_packages_, name) && !listed(install_packages_, name))
                    into.push_back(Text{name, server.where});
        }
    }

    // The units of a cluster service: the start order and every DCS server the image carries.
    TextList cluster_units() const {
        TextList units = p_.firstboot.services;
        for (const auto& server : p_.firstboot.dcs_servers) {
            const dcs::Server* spec = dcs::find(server.value);
            if (!spec) continue;
            bool listed = std::any_of(units.begin(), units.end(),
                                      [&](const Text& t) { return t.value == spec->unit; });
            if (!listed) units.push_back(Text{std::string(spec->unit), server.where});
        }
        return units;
    }

    void base() {
        if (const auto& b = p_.base.bootstrap) {
            std::string summary = b->release.value + " from " + b->mirror.value;
            if (!b->variant.value.empty()) summary += ", variant " + b->variant.value;
            if (!bootstrap_packages_.empty())
                summary += ", with " + plural(bootstrap_packages_.size(), "package");
            add(Stage::base,
                Bootstrap{.tool = b->tool,
                          .release = b->release,
                          .mirror = b->mirror,
                          .variant = b->variant,
                          .arch = b->arch,
                          .components = b->components,
                          .packages = bootstrap_packages_,
                          .initramfs_modules = debian_tool(b->tool)
                                                   ? initramfs_modules(p_.disk.filesystem, b->where)
                                                   : TextList{},
                          .signatures = debian_tool(b->tool)
                                            ? std::nullopt
                                            : std::optional<BootstrapSignatures>(
                                                  {.gpgkey = b->gpgkey, .gpgcheck = b->gpgcheck}),
                          .source_date_epoch = epoch_.seconds},
                summary, b->where);
        } else if (const auto& image = p_.base.image) {
            add(Stage::base,
                ImportImage{.source = image->source,
                            .is_url = image->is_url,
                            .path = image->path,
                            .sha256 = image->sha256,
                            .format = image->format,
                            .source_date_epoch = epoch_.seconds},
                image->source.value + " (sha256 " + image->sha256.value.substr(0, 12) + ")",
                image->where);
            add(Stage::base, ResizeDisk{p_.disk.size},
                "grow the disk to " + std::to_string(p_.disk.size.value >> 20) + " MiB",
                p_.disk.size.where);
        }
    }

    void packages() {
        const PackageManager manager = p_.package_manager;
        for (const auto& repo : p_.repositories) {
            bool apt = manager == PackageManager::apt;
            add(Stage::packages,
                AddRepository{.manager = manager,
                              .repository = repo.name,
                              .uri = repo.uri,
                              .suite = repo.suite,
                              .components = repo.components,
                              .signed_by = repo.signed_by,
                              .signed_by_key = host_file(repo.signed_by_path),
                              .baseurl = repo.baseurl,
                              .gpgkey = repo.gpgkey,
                              .gpgcheck = repo.gpgcheck,
                              .enabled = repo.enabled},
                repo.name.value + ": " +
                    (apt ? repo.uri.value + " " + repo.suite.value : repo.baseurl.value),
                repo.where);
        }
        if (!install_packages_.empty())
            add(Stage::packages, InstallPackages{manager, install_packages_},
                plural(install_packages_.size(), "package") + " with " + to_string(manager),
                install_packages_.front().where);
        if (!p_.packages.remove.empty())
            add(Stage::packages, RemovePackages{manager, p_.packages.remove},
                join(p_.packages.remove), p_.packages.remove.front().where);
    }

    void customize() {
        for (const auto& o : p_.overlays) {
            bool tree = o.kind == OverlayKind::tree;
            HostContent content{o.source_path,
                                tree ? tree_digest(o.source_path) : sha256_file_hex(o.source_path)};
            std::string mode = o.mode ? " " + o.mode->value : "";
            add(Stage::customize,
                CopyOverlay{.kind = o.kind,
                            .source = o.source,
                            .content = content,
                            .destination = o.destination,
                            .owner = o.owner,
                            .group = o.group,
                            .mode = o.mode},
                o.source_path.string() + " -> " + o.destination.value + " (" + o.owner.value + ":" +
                    o.group.value + mode + ")",
                o.where);
        }
        const Settings& s = p_.settings;
        if (s.timezone)
            add(Stage::customize, SetTimezone{*s.timezone}, s.timezone->value, s.timezone->where);
        if (s.locale) add(Stage::customize, SetLocale{*s.locale}, s.locale->value, s.locale->where);
        if (!s.ntp_servers.empty())
            add(Stage::customize, ConfigureNtp{s.ntp_servers}, join(s.ntp_servers, ", "),
                s.ntp_servers.front().where);
        if (s.zabbix_server)
            add(Stage::customize, ConfigureZabbixAgent{*s.zabbix_server},
                "Server=" + s.zabbix_server->value, s.zabbix_server->where);
        if (s.hostname)
            add(Stage::customize, SetHostname{*s.hostname}, s.hostname->value, s.hostname->where);
        units(UnitAction::enable, p_.units.enable);
        units(UnitAction::disable, p_.units.disable);
        units(UnitAction::mask, p_.units.mask);
    }

    void units(UnitAction action, const TextList& units) {
        if (units.empty()) return;
        add(Stage::customize, ApplyUnits{action, units}, join(units), units.front().where);
    }

    void scripts() {
        for (const auto& script : p_.scripts) {
            RunScript step{.name = script.name,
                           .interpreter = script.interpreter,
                           .text = script.run.value_or(Text{}),
                           .file = script.file ? host_file(script.file_path) : HostContent{},
                           .env = script.env};
            std::string source = script.file ? script.file->value : "inline";
            if (script.run) source += ", " + plural(line_count(script.run->value), "line");
            if (!script.env.empty()) source += ", " + plural(script.env.size(), "variable");
            add(Stage::scripts, std::move(step), script.interpreter.value + " (" + source + ")",
                script.where);
        }
    }

    void firstboot() {
        const Firstboot& f = p_.firstboot;
        if (f.services.empty() && f.dcs.value.empty()) return;
        HostContent unit = host_file(inputs_.firstboot_unit);
        if (inputs_.firstboot_unit.empty()) unit.digest = sha256_hex(fallback_firstboot_unit());
        add(Stage::firstboot,
            InstallFirstboot{host_file(inputs_.firstboot_binary), unit, f.admin_user},
            "kiln-firstboot and kiln-firstboot.service, enabled", f.where);
        std::optional<DataDiskSpec> data_disk;
        if (const auto& d = p_.data_disk)
            data_disk = DataDiskSpec{d->size, d->filesystem, d->mount, d->label};
        add(Stage::firstboot,
            WriteNodeDefaults{f.dcs, f.dcs_servers, f.services, f.admin_user, f.scrub_secrets,
                              f.tls, f.failover, f.defaults, data_disk, p_.release},
            "/etc/kiln/image.yml: dcs " + f.dcs.value +
                (f.dcs_servers.empty() ? "" : " of " + join(f.dcs_servers, ", ")) +
                ", start order " + join(f.services, " -> ") + ", " +
                plural(f.defaults.size(), "default"),
            f.where);
        const TextList units = cluster_units();
        if (data_disk)
            add(Stage::firstboot, ConfigureDataDisk{*data_disk, units},
                data_disk->mount.value + ": " + to_string(data_disk->filesystem) + " labelled " +
                    data_disk->label.value + ", required by " + join(units, ", "),
                p_.data_disk->where);
        if (!units.empty())
            add(Stage::firstboot, DisableClusterServices{units},
                join(units) + " stay off until first boot configures them", f.where);
    }

    void seal() {
        // Services that Debian's packages start at install leave state that must not be cloned.
        bool etcd = false, postgresql = false;
        auto note = [&](const std::string& name) {
            etcd = etcd || name == "etcd-server" || name == "etcd";
            postgresql = postgresql || name.starts_with("postgresql");
        };
        for (const auto& pkg : install_packages_) note(pkg.value.substr(0, pkg.value.find('=')));
        for (const auto& pkg : bootstrap_packages_) note(pkg.value);
        if (etcd)
            add(Stage::seal, SealEtcdData{},
                "stop etcd, wipe /var/lib/etcd (no member identity in the template)",
                p_.firstboot.where);
        if (postgresql)
            add(Stage::seal, SealPostgresqlClusters{},
                "drop PostgreSQL's auto-created cluster; Patroni bootstraps its own",
                p_.firstboot.where);
    }

    void sysprep() {
        for (const auto& name : p_.sysprep.operations) {
            const sysprep::Operation* op = sysprep::find(name.value);
            if (!op)
                throw Error(name.where.str() + ": unknown sysprep operation '" + name.value + "'");
            if (op->perform)
                add(Stage::sysprep, RunSysprep{op}, std::string(op->summary), name.where);
            else
                on_finished_disk_ = {op, name.where};
        }
    }

    // Work on the whole disk comes last, where the disk is: GRUB, then the relabel (which
    // writes every file's label), then trimming what is left free.
    void disk() {
        const Disk& d = p_.disk;
        if (const auto& b = p_.base.bootstrap) {
            add(Stage::disk,
                MakeDisk{.size = d.size,
                         .partition_table = d.partition_table,
                         .filesystem = d.filesystem,
                         .firmware = d.firmware,
                         .bootstrap = b->where},
                std::to_string(d.size.value >> 20) + " MiB, " + to_string(d.partition_table) +
                    ", " + to_string(d.filesystem) + " root",
                d.size.where);
            add(Stage::disk, InstallBootloader{d.firmware, b->where},
                "GRUB for " + to_string(d.firmware), d.size.where);
        }
        if (p_.sysprep.selinux_relabel)
            add(Stage::disk, SelinuxRelabel{},
                "relabel every file at build time (no relabel at boot)",
                p_.sysprep.selinux_relabel_where);
        if (const auto& [op, where] = on_finished_disk_; op)
            add(Stage::disk, TrimFreeSpace{}, std::string(op->summary), where);
    }

    void outputs() {
        for (const auto& o : p_.outputs) {
            WriteOutput action{o.format, o.file, {}};
            if (o.format != OutputFormat::qcow2)
                action.ovf = describe_ovf(p_, o.ovf ? &*o.ovf : nullptr);
            std::string summary = o.file.value;
            if (o.ovf)
                summary += " (vmx-" + std::to_string(o.ovf->vmx_version) + ", " +
                           std::to_string(o.ovf->cpus) + " CPU, " +
                           std::to_string(o.ovf->memory_mb) + " MiB, " +
                           plural(o.ovf->properties.size(), "property") + ")";
            add(Stage::output, std::move(action), summary, o.where);
        }
    }

    const Profile& p_;
    const PlanInputs& inputs_;
    TextList bootstrap_packages_;  // the profile's, and its DCS servers' from the distribution
    TextList install_packages_;    // the profile's, and its other DCS servers'
    SourceDateEpoch epoch_;

    std::vector<Operation> ops_;
    // The sysprep operation that works on the finished disk (zero-free-space), if asked for.
    std::pair<const sysprep::Operation*, Location> on_finished_disk_{};
};

}  // namespace

Plan make_plan(const Profile& profile, const PlanInputs& inputs) {
    return Planner(profile, inputs).run();
}

}  // namespace kiln::plan
