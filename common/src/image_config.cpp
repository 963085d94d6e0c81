#include "kiln/image_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "kiln/grammar.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/yaml_tree.hpp"

namespace kiln::image {

std::string to_yaml(const ImageConfig& c) {
    YAML::Emitter out;
    out << YAML::Comment("Written by kiln at build time; read by kiln-firstboot on first boot.");
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << c.version;
    out << YAML::Key << "os_family" << YAML::Value << to_string(c.os_family);
    out << YAML::Key << "network" << YAML::Value << to_string(c.network);
    out << YAML::Key << "dcs" << YAML::Value << c.dcs;
    out << YAML::Key << "services" << YAML::Value << YAML::Flow << c.services;
    out << YAML::Key << "admin_user" << YAML::Value << c.admin_user;
    out << YAML::Key << "scrub_secrets" << YAML::Value << c.scrub_secrets;
    out << YAML::Key << "postgresql" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "bin_dir" << YAML::Value << c.postgres_bin_dir;
    out << YAML::Key << "data_dir" << YAML::Value << c.postgres_data_dir;
    out << YAML::EndMap;
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
        if (!root.is_mapping()) {
            report_.error(root.location, "the image configuration must be a mapping");
            return;
        }
        for (const auto& child : root.children) field(child);
        if (!root.find("version")) report_.error(root.location, "'version' is missing");
    }

private:
    std::optional<std::string> scalar(const yaml::Node& node) {
        if (node.is_scalar()) return node.scalar;
        report_.error(node.location, "'" + node.key + "' must be a string, found " +
                                         std::string(yaml::kind_name(node)));
        return std::nullopt;
    }

    void field(const yaml::Node& n) {
        const std::string& k = n.key;
        if (k == "version") {
            auto v = scalar(n);
            if (v && *v != "1")
                report_.error(n.location, "unsupported image configuration version '" + *v +
                                              "' (this kiln-firstboot reads version 1)");
        } else if (k == "os_family") {
            auto v = scalar(n);
            if (v && *v == "debian")
                c_.os_family = OsFamily::debian;
            else if (v && *v == "el")
                c_.os_family = OsFamily::el;
            else if (v)
                report_.error(n.location, "'os_family' must be debian or el, not '" + *v + "'");
        } else if (k == "network") {
            auto v = scalar(n);
            if (v && *v == "ifupdown")
                c_.network = NetworkBackend::ifupdown;
            else if (v && *v == "networkd")
                c_.network = NetworkBackend::networkd;
            else if (v && *v == "ifcfg")
                c_.network = NetworkBackend::ifcfg;
            else if (v)
                report_.error(n.location,
                              "'network' must be ifupdown, networkd or ifcfg, not '" + *v + "'");
        } else if (k == "dcs") {
            auto v = scalar(n);
            if (v) {
                if (auto problem = node::check_value(*node::find_key("dcs"), *v))
                    report_.error(n.location, "'dcs': " + *problem);
                c_.dcs = *v;
            }
        } else if (k == "services") {
            services(n);
        } else if (k == "admin_user") {
            auto v = scalar(n);
            if (v) {
                if (auto problem = grammar::user_name(*v))
                    report_.error(n.location, "'admin_user': " + *problem);
                c_.admin_user = *v;
            }
        } else if (k == "scrub_secrets") {
            auto v = scalar(n);
            if (v && (*v == "true" || *v == "false"))
                c_.scrub_secrets = *v == "true";
            else if (v)
                report_.error(n.location, "'scrub_secrets' must be true or false");
        } else if (k == "postgresql") {
            postgresql(n);
        } else if (k == "defaults") {
            defaults(n);
        } else {
            report_.warning(n.key_location, "unknown key '" + k + "' in the image configuration");
        }
    }

    void services(const yaml::Node& n) {
        if (!n.is_sequence()) {
            report_.error(n.location, "'services' must be a list of unit names");
            return;
        }
        std::set<std::string> seen;
        for (const auto& item : n.children) {
            auto v = scalar(item);
            if (!v) continue;
            if (auto problem = grammar::unit_name(*v))
                report_.error(item.location, "'services': " + *problem);
            else if (!seen.insert(*v).second)
                report_.error(item.location, "service '" + *v + "' appears twice");
            else
                c_.services.push_back(*v);
        }
    }

    void postgresql(const yaml::Node& n) {
        if (!n.is_mapping()) {
            report_.error(n.location, "'postgresql' must be a mapping");
            return;
        }
        for (const auto& child : n.children) {
            auto v = scalar(child);
            if (!v) continue;
            if (v->empty() || v->front() != '/' || grammar::single_line(*v)) {
                report_.error(child.location,
                              "'postgresql." + child.key + "' must be an absolute path");
                continue;
            }
            if (child.key == "bin_dir")
                c_.postgres_bin_dir = *v;
            else if (child.key == "data_dir")
                c_.postgres_data_dir = *v;
            else
                report_.warning(child.key_location, "unknown key 'postgresql." + child.key + "'");
        }
    }

    void defaults(const yaml::Node& n) {
        if (n.is_null()) return;
        if (!n.is_mapping()) {
            report_.error(n.location, "'defaults' must be a mapping of node keys");
            return;
        }
        for (const auto& child : n.children) {
            const auto* spec = node::find_key(child.key);
            if (!spec) {
                auto hint = node::closest_key(child.key);
                report_.error(child.key_location,
                              "unknown node key '" + child.key + "' in 'defaults'" +
                                  (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
                continue;
            }
            if (spec->is_secret()) {
                report_.error(child.key_location,
                              "'" + child.key + "' is a secret and cannot be baked as a default");
                continue;
            }
            std::string text;
            if (child.is_sequence() && spec->is_list()) {
                std::vector<std::string> items;
                for (const auto& item : child.children)
                    if (auto v = scalar(item)) items.push_back(*v);
                text = node::join_items(*spec, items);
            } else if (auto v = scalar(child)) {
                text = *v;
            } else {
                continue;
            }
            if (auto problem = node::check_value(*spec, text)) {
                report_.error(child.location, "'defaults." + child.key + "': " + *problem);
                continue;
            }
            c_.defaults[child.key] = text;
            c_.default_where[child.key] = child.location;
        }
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
