#include "plan/planner.hpp"

#include <algorithm>

#include "kiln/sha256.hpp"

namespace kiln::plan {

using namespace kiln::profile;

std::string to_string(Stage stage) {
    switch (stage) {
        case Stage::base:
            return "base";
        case Stage::packages:
            return "packages";
        case Stage::customize:
            return "customize";
        case Stage::firstboot:
            return "firstboot";
        case Stage::seal:
            return "seal";
        case Stage::sysprep:
            return "sysprep";
        case Stage::disk:
            return "disk";
        case Stage::output:
            return "output";
    }
    return "?";
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

class Planner {
public:
    explicit Planner(const Profile& p) : p_(p) {}

    Plan run() {
        base();
        packages();
        customize();
        firstboot();
        seal();
        sysprep();
        disk();
        outputs();
        Plan plan{p_.name.value, std::move(ops_), {}, {}};
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
    void add(Stage stage, std::string kind, std::string summary,
             std::vector<std::pair<std::string, std::string>> inputs, const Location& where) {
        Sha256 hash;
        hash.field(kind);
        for (const auto& [key, value] : inputs) hash.field(key).field(value);
        ops_.push_back({stage, std::move(kind), std::move(summary), std::move(inputs),
                        hash.hex_digest(), where});
    }

    void base() {
        if (const auto& b = p_.base.bootstrap) {
            std::string summary = b->release.value + " from " + b->mirror.value;
            if (!b->variant.value.empty()) summary += ", variant " + b->variant.value;
            if (!b->packages.empty()) summary += ", with " + plural(b->packages.size(), "package");
            add(Stage::base, to_string(b->tool), summary,
                {{"release", b->release.value},
                 {"mirror", b->mirror.value},
                 {"variant", b->variant.value},
                 {"arch", b->arch.value},
                 {"components", join(b->components)},
                 {"packages", join(b->packages)}},
                b->where);
        } else if (const auto& image = p_.base.image) {
            add(Stage::base, "import-image",
                image->source.value + " (sha256 " + image->sha256.value.substr(0, 12) + ")",
                {{"sha256", image->sha256.value}, {"format", image->format.value}}, image->where);
            add(Stage::base, "resize-disk",
                "grow the disk to " + std::to_string(p_.disk.size.value >> 20) + " MiB",
                {{"bytes", std::to_string(p_.disk.size.value)}}, p_.disk.size.where);
        }
    }

    void packages() {
        for (const auto& repo : p_.repositories) {
            bool apt = p_.package_manager == PackageManager::apt;
            std::string key_digest;
            if (!repo.signed_by_path.empty()) key_digest = sha256_file_hex(repo.signed_by_path);
            add(Stage::packages, "add-repository",
                repo.name.value + ": " +
                    (apt ? repo.uri.value + " " + repo.suite.value : repo.baseurl.value),
                {{"manager", to_string(p_.package_manager)},
                 {"name", repo.name.value},
                 {"uri", repo.uri.value},
                 {"suite", repo.suite.value},
                 {"components", join(repo.components)},
                 {"signed_by", repo.signed_by.value},
                 {"signed_by_sha256", key_digest},
                 {"baseurl", repo.baseurl.value},
                 {"gpgkey", repo.gpgkey.value},
                 {"gpgcheck", repo.gpgcheck ? "1" : "0"},
                 {"enabled", repo.enabled ? "1" : "0"}},
                repo.where);
        }
        if (!p_.packages.install.empty())
            add(Stage::packages, "install-packages",
                plural(p_.packages.install.size(), "package") + " with " +
                    to_string(p_.package_manager),
                {{"manager", to_string(p_.package_manager)},
                 {"packages", join(p_.packages.install)}},
                p_.packages.install.front().where);
        if (!p_.packages.remove.empty())
            add(Stage::packages, "remove-packages", join(p_.packages.remove),
                {{"manager", to_string(p_.package_manager)},
                 {"packages", join(p_.packages.remove)}},
                p_.packages.remove.front().where);
    }

    void customize() {
        for (const auto& o : p_.overlays) {
            std::string content = o.kind == OverlayKind::tree ? tree_digest(o.source_path)
                                                              : sha256_file_hex(o.source_path);
            std::string mode = o.mode ? o.mode->value : "";
            add(Stage::customize, o.kind == OverlayKind::tree ? "copy-tree" : "copy-file",
                o.source_path.string() + " -> " + o.destination.value + " (" + o.owner.value + ":" +
                    o.group.value + (mode.empty() ? "" : " " + mode) + ")",
                {{"destination", o.destination.value},
                 {"owner", o.owner.value},
                 {"group", o.group.value},
                 {"mode", mode},
                 {"content", content}},
                o.where);
        }
        const Settings& s = p_.settings;
        if (s.timezone)
            add(Stage::customize, "set-timezone", s.timezone->value,
                {{"timezone", s.timezone->value}}, s.timezone->where);
        if (s.locale)
            add(Stage::customize, "set-locale", s.locale->value, {{"locale", s.locale->value}},
                s.locale->where);
        if (!s.ntp_servers.empty())
            add(Stage::customize, "configure-ntp", join(s.ntp_servers, ", "),
                {{"servers", join(s.ntp_servers)}}, s.ntp_servers.front().where);
        if (s.zabbix_server)
            add(Stage::customize, "configure-zabbix-agent", "Server=" + s.zabbix_server->value,
                {{"server", s.zabbix_server->value}}, s.zabbix_server->where);
        if (s.hostname)
            add(Stage::customize, "set-hostname", s.hostname->value,
                {{"hostname", s.hostname->value}}, s.hostname->where);
        unit_op("enable-units", p_.units.enable);
        unit_op("disable-units", p_.units.disable);
        unit_op("mask-units", p_.units.mask);
    }

    void unit_op(const char* kind, const TextList& units) {
        if (units.empty()) return;
        add(Stage::customize, kind, join(units), {{"units", join(units)}}, units.front().where);
    }

    void firstboot() {
        const Firstboot& f = p_.firstboot;
        if (f.services.empty() && f.dcs.value.empty()) return;
        add(Stage::firstboot, "install-firstboot",
            "kiln-firstboot and kiln-firstboot.service, enabled",
            {{"admin_user", f.admin_user.value}}, f.where);
        std::string defaults;
        for (const auto& [key, value] : f.defaults) defaults += key + "=" + value.value + "\n";
        add(Stage::firstboot, "write-node-defaults",
            "/etc/kiln/image.yml: dcs " + f.dcs.value + ", start order " +
                join(f.services, " -> ") + ", " + plural(f.defaults.size(), "default"),
            {{"dcs", f.dcs.value},
             {"services", join(f.services)},
             {"admin_user", f.admin_user.value},
             {"scrub_secrets", f.scrub_secrets ? "1" : "0"},
             {"defaults", defaults}},
            f.where);
        if (!f.services.empty())
            add(Stage::firstboot, "disable-cluster-services",
                join(f.services) + " stay off until first boot configures them",
                {{"units", join(f.services)}}, f.where);
    }

    void seal() {
        // Services that Debian's packages start at install leave state that must not be cloned.
        std::vector<std::string> sealed;
        for (const auto& pkg : p_.packages.install) {
            const std::string& name = pkg.value.substr(0, pkg.value.find('='));
            if (name == "etcd-server" || name == "etcd") sealed.push_back("etcd-data");
            if (name.starts_with("postgresql")) sealed.push_back("postgresql-clusters");
        }
        if (const auto& b = p_.base.bootstrap)
            for (const auto& pkg : b->packages) {
                if (pkg.value == "etcd-server" || pkg.value == "etcd")
                    sealed.push_back("etcd-data");
                if (pkg.value.starts_with("postgresql")) sealed.push_back("postgresql-clusters");
            }
        std::sort(sealed.begin(), sealed.end());
        sealed.erase(std::unique(sealed.begin(), sealed.end()), sealed.end());
        for (const auto& what : sealed)
            add(Stage::seal, "seal-" + what,
                what == "etcd-data"
                    ? "stop etcd, wipe /var/lib/etcd (no member identity in the template)"
                    : "drop PostgreSQL's auto-created cluster; Patroni bootstraps its own",
                {}, p_.firstboot.where);
    }

    void sysprep() {
        for (const auto& op : p_.sysprep.operations)
            add(Stage::sysprep, "sysprep-" + op.value, sysprep_summary(op.value), {}, op.where);
        if (p_.sysprep.selinux_relabel)
            add(Stage::sysprep, "selinux-relabel",
                "relabel every file at build time (no relabel at boot)", {}, p_.firstboot.where);
    }

    static std::string sysprep_summary(const std::string& op) {
        if (op == "package-cache") return "clear package manager caches";
        if (op == "logs") return "remove logs and the journal";
        if (op == "shell-history") return "remove shell histories";
        if (op == "tmp-files") return "empty /tmp and /var/tmp";
        if (op == "dhcp-leases") return "remove DHCP leases";
        if (op == "udev-net-rules") return "remove persistent network device rules";
        if (op == "random-seed") return "remove the saved random seed";
        if (op == "ssh-hostkeys") return "remove SSH host keys (each clone makes its own)";
        if (op == "machine-id") return "empty /etc/machine-id (each clone gets its own)";
        if (op == "zero-free-space") return "discard free space so exports stay small";
        return op;
    }

    void disk() {
        const Disk& d = p_.disk;
        if (!p_.base.bootstrap) return;
        add(Stage::disk, "make-disk",
            std::to_string(d.size.value >> 20) + " MiB, " + to_string(d.partition_table) + ", " +
                to_string(d.filesystem) + " root",
            {{"bytes", std::to_string(d.size.value)},
             {"partition_table", to_string(d.partition_table)},
             {"filesystem", to_string(d.filesystem)}},
            d.size.where);
        add(Stage::disk, "install-bootloader", "GRUB for " + to_string(d.firmware),
            {{"firmware", to_string(d.firmware)}}, d.size.where);
    }

    void outputs() {
        for (const auto& o : p_.outputs) {
            std::vector<std::pair<std::string, std::string>> inputs = {{"file", o.file.value}};
            std::string summary = o.file.value;
            if (o.ovf) {
                inputs.insert(inputs.end(), {{"vm_name", o.ovf->vm_name.value},
                                             {"vmx_version", std::to_string(o.ovf->vmx_version)},
                                             {"cpus", std::to_string(o.ovf->cpus)},
                                             {"memory_mb", std::to_string(o.ovf->memory_mb)},
                                             {"nic", o.ovf->nic.value},
                                             {"network", o.ovf->network.value},
                                             {"os_type", o.ovf->os_type.value},
                                             {"properties", join(o.ovf->properties)}});
                summary += " (vmx-" + std::to_string(o.ovf->vmx_version) + ", " +
                           std::to_string(o.ovf->cpus) + " CPU, " +
                           std::to_string(o.ovf->memory_mb) + " MiB, " +
                           plural(o.ovf->properties.size(), "property") + ")";
            }
            add(Stage::output, "write-" + to_string(o.format), summary, std::move(inputs), o.where);
        }
    }

    const Profile& p_;
    std::vector<Operation> ops_;
};

}  // namespace

Plan make_plan(const Profile& profile) {
    return Planner(profile).run();
}

}  // namespace kiln::plan
