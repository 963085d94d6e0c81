#include "profile/decode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "kiln/dcs.hpp"
#include "kiln/failover.hpp"
#include "kiln/grammar.hpp"
#include "kiln/map_reader.hpp"
#include "kiln/node_reader.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/regular_file.hpp"
#include "kiln/sha256.hpp"
#include "profile/decode_scripts.hpp"
#include "profile/source_date_epoch.hpp"
#include "profile/value_check.hpp"
#include "sysprep/operations.hpp"

namespace kiln::profile {

namespace {

namespace fs = std::filesystem;
using yaml::as_text;
using yaml::as_text_list;
using yaml::MapReader;

class Decoder {
public:
    Decoder(const DecodeContext& context, Report& report) : context_(context), report_(report) {}

    Profile run(const yaml::Node& root) {
        Profile p;
        MapReader top(root, "", report_, "the profile");
        if (!top.valid()) return p;
        top.ignore("variables");  // consumed by the loader
        version(top);
        if (auto name = top.text("name")) {
            check(
                *name,
                [](std::string_view v) -> grammar::Problem {
                    if (v.empty() || v.size() > 64 || !std::all_of(v.begin(), v.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                   c == '_' || c == '.';
                        }))
                        return "profile name '" + std::string(v) +
                               "' may contain only letters, digits, '.', '_' and '-' (1-64)";
                    return std::nullopt;
                },
                "name");
            p.name = *name;
        } else {
            p.name = Text{context_.default_name, root.location};
        }
        if (auto description = top.text("description"))
            check(*description, grammar::text, "description"), p.description = *description;
        if (auto release = top.text("release")) {
            check(*release, grammar::token, "release");
            p.release = *release;
        }
        p.source_date_epoch =
            top.integer("source_date_epoch", kMinSourceDateEpoch, kMaxSourceDateEpoch);
        if (const auto* node = top.require("base")) p.base = base(*node);
        package_manager(top, p);
        if (const auto* node = top.get("repositories")) p.repositories = repositories(*node, p);
        if (const auto* node = top.get("packages")) p.packages = packages(*node, p);
        if (const auto* node = top.get("overlays")) p.overlays = overlays(*node);
        if (const auto* node = top.get("units")) p.units = units(*node);
        if (const auto* node = top.get("settings")) p.settings = settings(*node);
        if (const auto* node = top.get("scripts"))
            p.scripts = decode_scripts(
                *node, [this](const Text& t) { return resolve(t); }, context_.check_files, report_);
        if (const auto* node = top.get("firstboot")) p.firstboot = firstboot(*node);
        p.sysprep.operations = default_sysprep(root.location);
        if (const auto* node = top.get("sysprep")) p.sysprep = sysprep(*node);
        if (const auto* node = top.get("disk")) p.disk = disk(*node, p.base);
        if (const auto* node = top.get("data_disk")) p.data_disk = data_disk(*node);
        if (const auto* node = top.get("outputs")) p.outputs = outputs(*node, p);
        if (p.outputs.empty())
            p.outputs.push_back(Output{OutputFormat::qcow2, {}, std::nullopt, root.location});
        for (auto& output : p.outputs)
            if (output.file.value.empty())
                output.file = Text{p.name.value + "." + to_string(output.format), output.where};
        return p;
    }

private:
    // Reports "'path': problem" at the value when `check_fn` finds one.
    template <class Check>
    bool check(const Text& text, Check&& check_fn, const std::string& path) {
        return check_value(report_, text, check_fn, path);
    }

    template <class Check>
    void check_all(const TextList& list, Check&& check_fn, const std::string& path) {
        for (const auto& item : list) check(item, check_fn, path);
    }

    void version(MapReader& top) {
        const yaml::Node* node = top.require("version");
        if (!node) return;
        auto text = as_text(*node, "version", report_);
        if (text && text->value != "1")
            report_.error(text->where, "unsupported profile version '" + text->value +
                                           "' (this kiln reads version 1)");
    }

    static std::optional<std::string> not_a_regular_file(const fs::path& path) {
        auto opened = open_regular_file(path);
        if (auto* problem = std::get_if<FileProblem>(&opened)) return problem->message;
        return std::nullopt;
    }

    // The build copies files, folders and symlinks; a FIFO or a device in the tree would make
    // it fail (or hang reading), so it is reported now. The first such entry is named.
    void check_tree_entries(const Text& source, const fs::path& folder) {
        std::error_code ec;
        for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end;
             it.increment(ec)) {
            fs::file_status status = it->symlink_status(ec);
            if (ec) break;
            if (fs::is_regular_file(status) || fs::is_directory(status) || fs::is_symlink(status))
                continue;
            report_.error(source.where,
                          "overlay tree '" + source.value + "' holds '" +
                              it->path().lexically_relative(folder).string() +
                              "', which is not a file, folder or symlink (kiln copies only those)");
            return;
        }
        if (ec)
            report_.error(source.where,
                          "overlay tree '" + source.value + "' cannot be read: " + ec.message());
    }

    fs::path resolve(const Text& text) const {
        fs::path p(text.value);
        if (p.is_absolute()) return p;
        auto it = context_.paths.find(text.where.file);
        fs::path folder = it == context_.paths.end() ? fs::path{} : it->second.parent_path();
        return (folder / p).lexically_normal();
    }

    Base base(const yaml::Node& node) {
        Base b;
        MapReader r(node, "base", report_);
        if (!r.valid()) return b;
        bool has_bootstrap = r.has("bootstrap"), has_image = r.has("image");
        if (has_bootstrap == has_image) {
            report_.error(node.location,
                          has_bootstrap ? "'base' must have either 'bootstrap' or 'image', not both"
                                        : "'base' must have either 'bootstrap' or 'image'");
        }
        if (const auto* n = r.get("bootstrap")) b.bootstrap = bootstrap(*n);
        if (const auto* n = r.get("image")) b.image = image(*n);
        return b;
    }

    Bootstrap bootstrap(const yaml::Node& node) {
        Bootstrap b;
        b.where = node.location;
        MapReader r(node, "base.bootstrap", report_);
        if (!r.valid()) return b;
        auto tool = r.choice<BootstrapTool>("tool", true);
        if (tool) b.tool = *tool;
        if (auto v = r.text("release", true)) {
            check(*v, grammar::archive_word, r.path("release"));
            b.release = *v;
        }
        if (auto v = r.text("mirror", true)) {
            check(*v, grammar::url, r.path("mirror"));
            b.mirror = *v;
        }
        if (auto v = r.one_of("variant", {"minbase", "buildd", "fakechroot"})) b.variant = *v;
        b.arch = r.text("arch").value_or(Text{"amd64", node.location});
        if (b.arch.value != "amd64" && b.arch.value != "x86_64")
            report_.error(b.arch.where,
                          "'base.bootstrap.arch' must be amd64 (x86_64), the only "
                          "architecture kiln exports for vSphere; found '" +
                              b.arch.value + "'");
        b.components = r.text_list("components");
        check_all(b.components, grammar::archive_word, r.path("components"));
        b.packages = r.text_list("packages");
        check_all(b.packages, grammar::package_name, r.path("packages"));
        if (tool) bootstrap_signatures(r, b);
        return b;
    }

    // dnf/yum check the mirror's signatures with the key the profile names (the shape of a
    // yum/dnf repository's); debootstrap and mmdebstrap check theirs with the keyring they carry.
    void bootstrap_signatures(MapReader& r, Bootstrap& b) {
        if (b.tool == BootstrapTool::debootstrap || b.tool == BootstrapTool::mmdebstrap) {
            for (const std::string key : {"gpgkey", "gpgcheck"})
                if (const auto* wrong = r.get(key))
                    report_.error(wrong->key_location,
                                  "'" + key + "' is a dnf/yum bootstrap key; " + to_string(b.tool) +
                                      " checks the mirror with the keyring it carries");
            return;
        }
        if (auto v = r.text("gpgkey")) check(*v, grammar::url, r.path("gpgkey")), b.gpgkey = *v;
        if (auto v = r.boolean("gpgcheck")) b.gpgcheck = *v;
        if (b.gpgcheck && !r.has("gpgkey"))
            report_.error(b.where,
                          "'base.bootstrap' checks the signatures of the packages " +
                              to_string(b.tool) +
                              " installs but names no 'gpgkey' (the URL of the mirror's signing "
                              "key); 'gpgcheck: false' installs them unchecked");
    }

    BaseImage image(const yaml::Node& node) {
        BaseImage b;
        b.where = node.location;
        MapReader r(node, "base.image", report_);
        if (!r.valid()) return b;
        bool has_url = r.has("url"), has_path = r.has("path");
        if (has_url == has_path)
            report_.error(node.location, "'base.image' must have either 'url' or 'path'" +
                                             std::string(has_url ? ", not both" : ""));
        if (auto v = r.text("url")) {
            check(*v, grammar::url, r.path("url"));
            b.source = *v;
            b.is_url = true;
        }
        if (auto v = r.text("path")) {
            b.source = *v;
            b.path = resolve(*v);
            if (context_.check_files && !has_url) {
                if (!fs::exists(b.path))
                    report_.error(v->where, "base image '" + v->value + "' not found");
                else if (auto problem = not_a_regular_file(b.path))
                    report_.error(v->where, "base image '" + v->value + "' " + *problem);
            }
        }
        if (auto v = r.text("sha256", true)) {
            if (!is_sha256_hex(v->value))
                report_.error(
                    v->where,
                    "'base.image.sha256' must be 64 hexadecimal digits, found '" + v->value + "'");
            b.sha256 = *v;
        }
        if (auto v = r.one_of("format", {"qcow2", "raw", "vmdk", "vdi", "vhdx", "vpc"}))
            b.format = *v;
        return b;
    }

    void package_manager(MapReader& top, Profile& p) {
        std::optional<PackageManager> implied;
        if (p.base.bootstrap) {
            switch (p.base.bootstrap->tool) {
                case BootstrapTool::debootstrap:
                case BootstrapTool::mmdebstrap:
                    implied = PackageManager::apt;
                    break;
                case BootstrapTool::dnf:
                    implied = PackageManager::dnf;
                    break;
                case BootstrapTool::yum:
                    implied = PackageManager::yum;
                    break;
            }
        }
        auto declared = top.choice<PackageManager>("package_manager");
        if (declared) {
            p.package_manager = *declared;
            if (implied && *implied != *declared) {
                report_.error(top.get("package_manager")->location,
                              "'package_manager' is " + to_string(*declared) + " but '" +
                                  to_string(p.base.bootstrap->tool) +
                                  "' bootstraps a system managed by " + to_string(*implied));
            }
        } else if (implied) {
            p.package_manager = *implied;
        } else if (p.base.image && !top.has("package_manager")) {
            report_.error(top.location(),
                          "missing required key 'package_manager' in 'the profile' (" +
                              one_of<PackageManager>() + "; required with an image base)");
        }
    }

    std::vector<Repository> repositories(const yaml::Node& node, const Profile& p) {
        std::vector<Repository> list;
        if (!node.is_sequence()) {
            report_.error(node.location, "'repositories' must be a list, found " +
                                             std::string(yaml::kind_name(node)));
            return list;
        }
        bool apt = p.package_manager == PackageManager::apt;
        std::set<std::string> names;
        for (const auto& item : node.children) {
            Repository repo;
            repo.where = item.location;
            MapReader r(item, "repositories[]", report_);
            if (!r.valid()) continue;
            if (auto v = r.text("name", true)) {
                repo.name = *v;
                if (grammar::package_name(v->value) || v->value.find('=') != std::string::npos)
                    report_.error(v->where,
                                  "repository name '" + v->value +
                                      "' may contain only letters, digits, '+', '-', '.', '_'");
                else if (!names.insert(v->value).second)
                    report_.error(v->where, "repository '" + v->value + "' is declared twice");
            }
            static const std::vector<std::string> apt_keys = {"uri", "suite", "components",
                                                              "signed_by"};
            static const std::vector<std::string> rpm_keys = {"baseurl", "gpgkey", "gpgcheck",
                                                              "enabled"};
            for (const auto& key : apt ? rpm_keys : apt_keys) {
                if (const auto* wrong = r.get(key))
                    report_.error(wrong->key_location,
                                  "'" + key + "' is a" + (apt ? " yum/dnf" : "n apt") +
                                      " repository key, but this profile's package manager is " +
                                      to_string(p.package_manager));
            }
            if (apt) {
                if (auto v = r.text("uri", true))
                    check(*v, grammar::url, r.path("uri")), repo.uri = *v;
                if (auto v = r.text("suite", true))
                    check(*v, grammar::archive_word, r.path("suite")), repo.suite = *v;
                repo.components = r.text_list("components");
                check_all(repo.components, grammar::archive_word, r.path("components"));
                if (auto v = r.text("signed_by")) {
                    repo.signed_by = *v;
                    if (grammar::url(v->value)) {
                        repo.signed_by_path = resolve(*v);
                        if (context_.check_files && !fs::is_regular_file(repo.signed_by_path))
                            report_.error(v->where, "key file '" + v->value + "' not found");
                    }
                }
            } else {
                if (auto v = r.text("baseurl", true))
                    check(*v, grammar::url, r.path("baseurl")), repo.baseurl = *v;
                if (auto v = r.text("gpgkey"))
                    check(*v, grammar::url, r.path("gpgkey")), repo.gpgkey = *v;
                if (auto v = r.boolean("gpgcheck")) repo.gpgcheck = *v;
                if (auto v = r.boolean("enabled")) repo.enabled = *v;
                if (repo.gpgcheck && !r.has("gpgkey"))
                    report_.warning(item.location, "repository '" + repo.name.value +
                                                       "' checks signatures but names no 'gpgkey'");
            }
            list.push_back(std::move(repo));
        }
        return list;
    }

    Packages packages(const yaml::Node& node, const Profile&) {
        Packages pk;
        MapReader r(node, "packages", report_);
        if (!r.valid()) return pk;
        pk.install = r.text_list("install");
        pk.remove = r.text_list("remove");
        check_all(pk.install, grammar::package_name, r.path("install"));
        check_all(pk.remove, grammar::package_name, r.path("remove"));
        std::set<std::string> installed;
        for (const auto& item : pk.install)
            if (!installed.insert(item.value).second)
                report_.warning(item.where, "package '" + item.value + "' is listed twice");
        for (const auto& item : pk.remove)
            if (installed.contains(item.value))
                report_.error(item.where,
                              "package '" + item.value + "' is both installed and removed");
        return pk;
    }

    std::optional<std::string> destination_problem(const std::string& dest) {
        if (dest.empty() || dest.front() != '/')
            return "overlay destination '" + dest + "' must be an absolute path inside the image";
        for (const auto& part : fs::path(dest))
            if (part == "..")
                return "overlay destination '" + dest +
                       "' escapes the image root ('..' is not allowed)";
        if (auto problem = grammar::single_line(dest)) return "overlay destination " + *problem;
        return std::nullopt;
    }

    std::vector<Overlay> overlays(const yaml::Node& node) {
        std::vector<Overlay> list;
        if (!node.is_sequence()) {
            report_.error(node.location,
                          "'overlays' must be a list, found " + std::string(yaml::kind_name(node)));
            return list;
        }
        for (const auto& item : node.children) {
            Overlay o;
            o.where = item.location;
            MapReader r(item, "overlays[]", report_);
            if (!r.valid()) continue;
            bool has_tree = r.has("tree"), has_file = r.has("file");
            if (has_tree == has_file) {
                report_.error(item.location,
                              "an overlay must have either 'tree' (a folder) or 'file'" +
                                  std::string(has_tree ? ", not both" : ""));
            }
            o.kind = has_tree ? OverlayKind::tree : OverlayKind::file;
            r.ignore(has_tree ? "file" : "tree");
            if (auto v = r.text(has_tree ? "tree" : "file")) {
                o.source = *v;
                o.source_path = resolve(*v);
                if (context_.check_files) {
                    if (!fs::exists(o.source_path))
                        report_.error(v->where, "overlay source '" + v->value + "' not found");
                    else if (has_tree && !fs::is_directory(o.source_path))
                        report_.error(v->where, "overlay tree '" + v->value + "' is not a folder");
                    else if (has_tree)
                        check_tree_entries(*v, o.source_path);
                    else if (!has_tree && !fs::is_regular_file(o.source_path))
                        report_.error(v->where,
                                      "overlay file '" + v->value + "' is not a regular file");
                }
            }
            if (auto v = r.text("destination", true)) {
                if (auto problem = destination_problem(v->value)) report_.error(v->where, *problem);
                o.destination = *v;
            }
            o.owner = r.text("owner").value_or(Text{"root", item.location});
            o.group = r.text("group").value_or(Text{"root", item.location});
            check(o.owner, grammar::user_name, r.path("owner"));
            check(o.group, grammar::user_name, r.path("group"));
            if (auto v = r.text("mode")) {
                check(*v, grammar::file_mode, r.path("mode"));
                o.mode = *v;
            }
            list.push_back(std::move(o));
        }
        return list;
    }

    Units units(const yaml::Node& node) {
        Units u;
        MapReader r(node, "units", report_);
        if (!r.valid()) return u;
        u.enable = r.text_list("enable");
        u.disable = r.text_list("disable");
        u.mask = r.text_list("mask");
        check_all(u.enable, grammar::unit_name, r.path("enable"));
        check_all(u.disable, grammar::unit_name, r.path("disable"));
        check_all(u.mask, grammar::unit_name, r.path("mask"));
        std::set<std::string> enabled;
        for (const auto& unit : u.enable) enabled.insert(unit.value);
        for (const auto* list : {&u.disable, &u.mask})
            for (const auto& unit : *list)
                if (enabled.contains(unit.value))
                    report_.error(unit.where, "unit '" + unit.value + "' is both enabled and " +
                                                  (list == &u.mask ? "masked" : "disabled"));
        return u;
    }

    Settings settings(const yaml::Node& node) {
        Settings s;
        MapReader r(node, "settings", report_);
        if (!r.valid()) return s;
        if (auto v = r.text("timezone")) {
            if (check(*v, grammar::time_zone, r.path("timezone")) &&
                fs::is_directory("/usr/share/zoneinfo") &&
                !fs::exists(fs::path("/usr/share/zoneinfo") / v->value))
                report_.error(v->where, "unknown time zone '" + v->value + "'");
            s.timezone = *v;
        }
        if (auto v = r.text("locale")) check(*v, grammar::locale, r.path("locale")), s.locale = *v;
        s.ntp_servers = r.text_list("ntp_servers");
        check_all(s.ntp_servers, grammar::host, r.path("ntp_servers"));
        if (auto v = r.text("zabbix_server"))
            check(*v, grammar::host, r.path("zabbix_server")), s.zabbix_server = *v;
        if (auto v = r.text("hostname"))
            check(*v, grammar::hostname, r.path("hostname")), s.hostname = *v;
        return s;
    }

    Firstboot firstboot(const yaml::Node& node) {
        Firstboot f;
        f.where = node.location;
        MapReader r(node, "firstboot", report_);
        if (!r.valid()) return f;
        if (auto v = r.text("dcs", true)) {
            if (auto problem = node::check_value(*node::find_key("dcs"), v->value))
                report_.error(v->where, "'firstboot.dcs': " + *problem);
            f.dcs = *v;
        }
        f.services = r.text_list("services");
        check_all(f.services, grammar::unit_name, r.path("services"));
        std::set<std::string> seen;
        for (const auto& s : f.services)
            if (!seen.insert(s.value).second)
                report_.error(s.where,
                              "service '" + s.value + "' appears twice in the start order");
        if (r.has("services") && f.services.empty())
            report_.error(r.get("services")->location,
                          "'firstboot.services' must name at least one unit");
        f.admin_user = r.text("admin_user").value_or(Text{"kiln", node.location});
        check(f.admin_user, grammar::user_name, r.path("admin_user"));
        if (auto v = r.boolean("scrub_secrets")) f.scrub_secrets = *v;
        if (auto v = r.boolean("tls")) f.tls = *v;
        if (const auto* n = r.get("failover"))
            f.failover = failover::read(*n, r.path("failover"), report_);
        if (const auto* defaults = r.get("defaults"))
            f.defaults = node::read_defaults(*defaults, r.path("defaults"), report_);
        f.dcs_servers = dcs_servers(r, f);
        return f;
    }

    // The DCS servers the image carries: known names, each once, the default choice among them.
    TextList dcs_servers(MapReader& r, const Firstboot& f) {
        TextList servers = r.text_list("dcs_servers");
        if (r.has("dcs_servers") && servers.empty())
            report_.error(r.get("dcs_servers")->location,
                          "'firstboot.dcs_servers' must name at least one DCS server");
        std::set<std::string> seen;
        std::vector<std::string> carried;  // the known ones, in order
        for (const auto& s : servers) {
            if (!dcs::find(s.value))
                report_.error(s.where,
                              "'firstboot.dcs_servers': '" + s.value + "' is not " + dcs::names());
            else if (!seen.insert(s.value).second)
                report_.error(s.where, "DCS server '" + s.value + "' appears twice");
            else
                carried.push_back(s.value);
        }
        if (seen.empty()) return servers;
        auto offered = [&] { return fmt::to_string(fmt::join(carried, ", ")); };
        if (!f.dcs.value.empty() && dcs::find(f.dcs.value) && !seen.contains(f.dcs.value))
            report_.error(f.dcs.where, "'firstboot.dcs': '" + f.dcs.value +
                                           "' is not among the servers the image carries (" +
                                           offered() + ")");
        if (auto it = f.defaults.find("dcs"); it != f.defaults.end() &&
                                              dcs::find(it->second.value) &&
                                              !seen.contains(it->second.value))
            report_.error(it->second.where, "'firstboot.defaults.dcs': '" + it->second.value +
                                                "' is not among the servers the image carries (" +
                                                offered() + ")");
        return servers;
    }

    TextList default_sysprep(const Location& where) {
        TextList list;
        for (const auto& op : sysprep::operations())
            if (op.enabled_by_default) list.push_back(Text{std::string(op.name), where});
        return list;
    }

    Sysprep sysprep(const yaml::Node& node) {
        Sysprep s;
        s.operations = default_sysprep(node.location);
        MapReader r(node, "sysprep", report_);
        if (!r.valid()) return s;
        if (r.has("operations")) {
            s.operations = r.text_list("operations");
            for (const auto& op : s.operations) {
                if (sysprep::find(op.value)) continue;
                std::string hint;
                std::size_t best = 3;
                for (const auto& known : sysprep::operations())
                    if (auto d = grammar::edit_distance(op.value, known.name); d < best)
                        best = d, hint = " (did you mean '" + std::string(known.name) + "'?)";
                report_.error(op.where, "unknown sysprep operation '" + op.value + "'" + hint);
            }
        }
        if (auto v = r.boolean("selinux_relabel")) {
            s.selinux_relabel = *v;
            s.selinux_relabel_where = r.get("selinux_relabel")->location;
        }
        return s;
    }

    Disk disk(const yaml::Node& node, const Base& base) {
        Disk d;
        MapReader r(node, "disk", report_);
        if (!r.valid()) return d;
        if (auto v = r.text("size"))
            if (auto bytes = size(*v, "disk.size")) d.size = {*bytes, v->where};
        if (auto v = r.choice<Filesystem>("filesystem")) d.filesystem = *v;
        // Said at validation, not after the bootstrap and every package (the disk stage).
        if (d.filesystem == Filesystem::xfs && base.bootstrap)
            report_.error(r.get("filesystem")->location,
                          "'disk.filesystem' xfs needs an image base: a bootstrapped tree becomes "
                          "its root with mkfs.ext4 -d, and Debian 12's mkfs.xfs (xfsprogs 6.1) "
                          "cannot fill a filesystem from a folder (its protofiles keep no hard "
                          "links, extended attributes or times); use 'filesystem: ext4'");
        if (auto v = r.choice<PartitionTable>("partition_table")) d.partition_table = *v;
        if (auto v = r.choice<Firmware>("firmware")) d.firmware = *v;
        if (d.firmware != Firmware::bios && d.partition_table == PartitionTable::mbr)
            report_.error(r.get("firmware")->location,
                          "'disk.firmware' " + to_string(d.firmware) +
                              " needs 'partition_table: gpt' (an EFI system partition)");
        return d;
    }

    // A size from 1G to 16T, or nullopt with the error reported at the value.
    std::optional<unsigned long long> size(const Text& v, const std::string& path) {
        auto bytes = grammar::parse_size(v.value);
        if (!bytes)
            report_.error(v.where, "'" + path +
                                       "' must be a size such as 8G, 8GiB or 10240M; found '" +
                                       v.value + "'");
        else if (*bytes < (1ULL << 30) || *bytes > (16ULL << 40))
            report_.error(v.where,
                          "'" + path + "' must be from 1G to 16T; found '" + v.value + "'");
        else
            return bytes;
        return std::nullopt;
    }

    DataDisk data_disk(const yaml::Node& node) {
        DataDisk d;
        d.where = node.location;
        d.mount = Text{"/data", node.location};
        d.label = Text{"kiln-data", node.location};
        MapReader r(node, "data_disk", report_);
        if (!r.valid()) return d;
        if (auto v = r.text("size"))
            if (auto bytes = size(*v, "data_disk.size")) d.size = {*bytes, v->where};
        if (auto v = r.choice<Filesystem>("filesystem")) d.filesystem = *v;
        if (auto v = r.text("mount")) {
            check(*v, mount_point, "data_disk.mount");
            d.mount = *v;
        }
        if (auto v = r.text("label")) {
            std::size_t longest = d.filesystem == Filesystem::xfs ? 12 : 16;
            check(
                *v,
                [longest](std::string_view l) -> grammar::Problem {
                    if (l.empty() || l.size() > longest ||
                        !std::all_of(l.begin(), l.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                   c == '_';
                        }))
                        return "a filesystem label of 1-" + std::to_string(longest) +
                               " letters, digits, '-' or '_' (the longest this filesystem keeps)";
                    return std::nullopt;
                },
                "data_disk.label");
            d.label = *v;
        }
        return d;
    }

    // Where the data disk is mounted: an absolute, normal path of a folder of its own, never a
    // system folder (the disk would hide the OS's files there).
    static grammar::Problem mount_point(std::string_view v) {
        static const std::set<std::string, std::less<>> system = {
            "/",     "/bin",  "/boot", "/dev",  "/etc", "/home", "/lib", "/lib64", "/opt",
            "/proc", "/root", "/run",  "/sbin", "/srv", "/sys",  "/tmp", "/usr",   "/var"};
        std::string path(v);
        if (path.empty() || path.front() != '/' || path.size() > 255)
            return "an absolute path such as /data";
        if (fs::path(path).lexically_normal().string() != path || path.back() == '/')
            return "a normal path (no '.', '..', '//' or trailing '/'): '" + path + "'";
        if (!std::all_of(path.begin(), path.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' ||
                       c == '_' || c == '.';
            }))
            return "letters, digits, '/', '-', '_' and '.' only: '" + path + "'";
        if (system.count(path) || path.starts_with("/usr/") || path.starts_with("/etc/") ||
            path.starts_with("/boot/") || path.starts_with("/proc/") || path.starts_with("/sys/") ||
            path.starts_with("/dev/") || path.starts_with("/run/"))
            return "'" + path +
                   "' is a system folder; mount the data disk on a folder of its own "
                   "such as /data";
        return std::nullopt;
    }

    Ovf ovf(const yaml::Node& node, const Profile& p) {
        Ovf o;
        o.vm_name = Text{p.name.value, node.location};
        o.nic = Text{"vmxnet3", node.location};
        o.network = Text{"VM Network", node.location};
        o.os_type =
            Text{p.package_manager == PackageManager::apt ? "debian12_64Guest" : "centos7_64Guest",
                 node.location};
        MapReader r(node, "outputs.ova.ovf", report_);
        if (!r.valid()) return o;
        if (auto v = r.text("vm_name"))
            check(*v, grammar::single_line, r.path("vm_name")), o.vm_name = *v;
        if (auto v = r.integer("vmx_version", 4, 21)) o.vmx_version = static_cast<int>(v->value);
        if (auto v = r.integer("cpus", 1, 128)) o.cpus = static_cast<int>(v->value);
        if (auto v = r.integer("memory_mb", 256, 6128 * 1024)) {
            if (v->value % 4 != 0)
                report_.error(v->where,
                              "'outputs.ova.ovf.memory_mb' must be a multiple of 4, found '" +
                                  std::to_string(v->value) + "'");
            o.memory_mb = static_cast<int>(v->value);
        }
        if (auto v = r.one_of("nic", {"vmxnet3", "e1000", "e1000e"})) o.nic = *v;
        if (auto v = r.text("network"))
            check(*v, grammar::single_line, r.path("network")), o.network = *v;
        if (auto v = r.text("os_type")) {
            const auto& known = known_vmware_os_types();
            if (std::find(known.begin(), known.end(), v->value) == known.end())
                report_.error(v->where, "'outputs.ova.ovf.os_type' '" + v->value +
                                            "' is not a VMware guest OS id kiln knows (" +
                                            fmt::to_string(fmt::join(known, ", ")) + ")");
            o.os_type = *v;
        }
        o.properties = r.text_list("properties");
        std::set<std::string> seen;
        for (const auto& prop : o.properties) {
            if (!node::find_key(prop.value)) {
                auto hint = node::closest_key(prop.value);
                report_.error(prop.where,
                              "'" + prop.value + "' is not a node key" +
                                  (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
            } else if (!seen.insert(prop.value).second) {
                report_.error(prop.where, "property '" + prop.value + "' is listed twice");
            }
        }
        return o;
    }

    // outputs: a mapping from format to its settings, so included profiles merge per format.
    std::vector<Output> outputs(const yaml::Node& node, const Profile& p) {
        std::vector<Output> list;
        if (!node.is_mapping()) {
            report_.error(node.location,
                          "'outputs' must be a mapping from format (" +
                              fmt::to_string(fmt::join(enum_names<OutputFormat>(), ", ")) +
                              ") to its settings, found " + std::string(yaml::kind_name(node)));
            return list;
        }
        for (const auto& item : node.children) {
            auto format = parse_enum<OutputFormat>(item.key);
            if (!format) {
                report_.error(item.key_location, "unknown output format '" + item.key + "' (" +
                                                     one_of<OutputFormat>() + ")");
                continue;
            }
            Output o;
            o.format = *format;
            o.where = item.key_location;
            yaml::Node settings = item;
            if (settings.is_null()) {
                settings = yaml::Node{};
                settings.kind = yaml::Kind::mapping;
                settings.location = item.key_location;
            }
            std::string context = "outputs." + item.key;
            MapReader r(settings, context, report_);
            if (!r.valid()) continue;
            if (auto v = r.text("file")) {
                if (auto problem = grammar::file_name(v->value))
                    report_.error(v->where, "'" + context + ".file': " + *problem);
                else if (v->value.front() == '.')
                    report_.error(v->where,
                                  "'" + context + ".file' must not start with '.' (a hidden file)");
                o.file = *v;
            }
            if (o.format == OutputFormat::ova) {
                yaml::Node empty;
                empty.kind = yaml::Kind::mapping;
                empty.location = settings.location;
                const yaml::Node* n = r.get("ovf");
                o.ovf = ovf(n ? *n : empty, p);
            }
            list.push_back(std::move(o));
        }
        return list;
    }

    const DecodeContext& context_;
    Report& report_;
};

}  // namespace

Profile decode(const yaml::Node& root, const DecodeContext& context, Report& report) {
    return Decoder(context, report).run(root);
}

}  // namespace kiln::profile
