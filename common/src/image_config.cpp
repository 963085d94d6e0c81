#include "kiln/image_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "kiln/dcs.hpp"
#include "kiln/grammar.hpp"
#include "kiln/map_reader.hpp"
#include "kiln/node_reader.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/yaml_tree.hpp"

namespace kiln::image {

std::string mount_unit_name(const std::string& mount_point) {
    std::string path = mount_point;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    if (path.empty()) return "-.mount";
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(path[i]);
        if (c == '/')
            out += '-';
        else if (std::isalnum(c) || c == '_' || c == ':' || (c == '.' && i > 0))
            out += static_cast<char>(c);
        else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out + ".mount";
}

std::vector<std::string> carried_dcs_servers(const ImageConfig& config) {
    if (config.dcs_servers.empty()) return {config.dcs};
    return config.dcs_servers;
}

std::string to_yaml(const ImageConfig& c) {
    YAML::Emitter out;
    out << YAML::Comment("Written by kiln at build time; read by kiln-firstboot on first boot.");
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << c.version;
    if (!c.release.empty()) out << YAML::Key << "release" << YAML::Value << c.release;
    out << YAML::Key << "os_family" << YAML::Value << to_string(c.os_family);
    out << YAML::Key << "network" << YAML::Value << to_string(c.network);
    out << YAML::Key << "dcs" << YAML::Value << c.dcs;
    if (!c.dcs_servers.empty())
        out << YAML::Key << "dcs_servers" << YAML::Value << YAML::Flow << c.dcs_servers;
    out << YAML::Key << "services" << YAML::Value << YAML::Flow << c.services;
    out << YAML::Key << "admin_user" << YAML::Value << c.admin_user;
    out << YAML::Key << "scrub_secrets" << YAML::Value << c.scrub_secrets;
    out << YAML::Key << "tls" << YAML::Value << c.tls;
    out << YAML::Key << "failover" << YAML::Value << YAML::BeginMap;
    for (const auto& s : failover::settings())
        out << YAML::Key << std::string(s.key) << YAML::Value << c.failover.*s.field;
    out << YAML::EndMap;
    out << YAML::Key << "postgresql" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "bin_dir" << YAML::Value << c.postgres_bin_dir;
    out << YAML::Key << "data_dir" << YAML::Value << c.postgres_data_dir;
    out << YAML::EndMap;
    if (const auto& d = c.data_disk) {
        out << YAML::Key << "data_disk" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "label" << YAML::Value << d->label;
        out << YAML::Key << "filesystem" << YAML::Value << d->filesystem;
        out << YAML::Key << "mount" << YAML::Value << d->mount;
        out << YAML::EndMap;
    }
    out << YAML::Key << "defaults" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : c.defaults) {
        out << YAML::Key << key << YAML::Value;
        const auto* spec = node::find_key(key);
        if (spec && spec->is_list())
            out << YAML::Flow << node::split_items(*spec, value);
        else
            out << YAML::DoubleQuoted << value;
    }
    out << YAML::EndMap << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

namespace {

class Decoder {
public:
    Decoder(ImageConfig& out, Report& report) : c_(out), report_(report) {}

    void run(const yaml::Node& root) {
        yaml::MapReader r(root, "", report_, "the image configuration");
        if (!r.valid()) return;
        if (auto v = r.text("version", true); v && v->value != "1")
            report_.error(v->where, "unsupported image configuration version '" + v->value +
                                        "' (this kiln-firstboot reads version 1)");
        if (auto v = r.text("release")) {
            if (auto problem = grammar::token(v->value))
                report_.error(v->where, "'release': " + *problem);
            c_.release = v->value;
        }
        if (auto v = r.choice<OsFamily>("os_family")) c_.os_family = *v;
        if (auto v = r.choice<NetworkBackend>("network")) c_.network = *v;
        if (auto v = r.text("dcs")) {
            if (auto problem = node::check_value(*node::find_key("dcs"), v->value))
                report_.error(v->where, "'dcs': " + *problem);
            c_.dcs = v->value;
        }
        dcs_servers(r);
        services(r);
        if (auto v = r.text("admin_user")) {
            if (auto problem = grammar::user_name(v->value))
                report_.error(v->where, "'admin_user': " + *problem);
            c_.admin_user = v->value;
        }
        if (auto v = r.boolean("scrub_secrets")) c_.scrub_secrets = *v;
        if (auto v = r.boolean("tls")) c_.tls = *v;
        if (const auto* n = r.get("failover"))
            c_.failover = failover::read(*n, "failover", report_);
        if (const auto* n = r.get("postgresql")) postgresql(*n);
        if (const auto* n = r.get("data_disk")) data_disk(*n);
        if (const auto* n = r.get("defaults"); n && !n->is_null()) {
            for (auto& [key, value] : node::read_defaults(*n, "defaults", report_)) {
                c_.defaults[key] = std::move(value.value);
                c_.default_where[key] = value.where;
            }
        }
    }

private:
    void dcs_servers(yaml::MapReader& r) {
        std::set<std::string> seen;
        for (const auto& server : r.text_list("dcs_servers")) {
            if (!dcs::find(server.value))
                report_.error(server.where,
                              "'dcs_servers': '" + server.value + "' is not " + dcs::names());
            else if (!seen.insert(server.value).second)
                report_.error(server.where, "DCS server '" + server.value + "' appears twice");
            else
                c_.dcs_servers.push_back(server.value);
        }
        if (!c_.dcs_servers.empty() && !seen.contains(c_.dcs))
            if (const auto* n = r.get("dcs"))
                report_.error(n->location,
                              "'dcs': '" + c_.dcs + "' is not among the image's 'dcs_servers'");
    }

    void services(yaml::MapReader& r) {
        std::set<std::string> seen;
        for (const auto& unit : r.text_list("services")) {
            if (auto problem = grammar::unit_name(unit.value))
                report_.error(unit.where, "'services': " + *problem);
            else if (!seen.insert(unit.value).second)
                report_.error(unit.where, "service '" + unit.value + "' appears twice");
            else
                c_.services.push_back(unit.value);
        }
    }

    void postgresql(const yaml::Node& n) {
        yaml::MapReader r(n, "postgresql", report_);
        if (!r.valid()) return;
        for (auto [key, field] : {std::pair{"bin_dir", &c_.postgres_bin_dir},
                                  std::pair{"data_dir", &c_.postgres_data_dir}}) {
            auto v = r.text(key);
            if (!v) continue;
            if (v->value.empty() || v->value.front() != '/' || grammar::single_line(v->value))
                report_.error(v->where, "'" + r.path(key) + "' must be an absolute path");
            else
                *field = v->value;
        }
    }

    // Values that reach a mount unit and mkfs: checked as strictly as the profile checked them.
    void data_disk(const yaml::Node& n) {
        yaml::MapReader r(n, "data_disk", report_);
        if (!r.valid()) return;
        DataDisk d;
        auto word = [](std::string_view v, std::string_view extra) {
            return !v.empty() && std::all_of(v.begin(), v.end(), [extra](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) ||
                       extra.find(ch) != std::string_view::npos;
            });
        };
        if (auto v = r.text("label")) {
            if (!word(v->value, "-_") || v->value.size() > 16)
                report_.error(v->where, "'data_disk.label' must be 1-16 letters, digits, '-', '_'");
            d.label = v->value;
        }
        if (auto v = r.one_of("filesystem", {"ext4", "xfs"})) d.filesystem = v->value;
        if (auto v = r.text("mount")) {
            if (v->value.size() < 2 || v->value.front() != '/' || !word(v->value, "/-_.") ||
                v->value.find("..") != std::string::npos || v->value.back() == '/')
                report_.error(v->where, "'data_disk.mount' must be an absolute, normal path");
            d.mount = v->value;
        }
        c_.data_disk = d;
    }

    ImageConfig& c_;
    Report& report_;
};

}  // namespace

std::optional<ImageConfig> parse_image_config(const std::string& display_name,
                                              const std::string& text, SourceFiles& sources,
                                              Report& report) {
    auto root = yaml::load_string(display_name, text, sources, report);
    if (!root) return std::nullopt;
    ImageConfig config;
    config.services.clear();
    Decoder(config, report).run(*root);
    return config;
}

std::optional<ImageConfig> load_image_config(const std::string& display_name,
                                             const std::filesystem::path& path,
                                             SourceFiles& sources, Report& report) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        report.error(Location{display_name}, "cannot read the image configuration");
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_image_config(display_name, text.str(), sources, report);
}

}  // namespace kiln::image
