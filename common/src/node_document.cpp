#include "kiln/node_document.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "kiln/node_schema.hpp"
#include "kiln/quoted_key.hpp"
#include "kiln/yaml_tree.hpp"

namespace kiln::node {

const DocumentValue* Document::find(std::string_view key) const {
    for (const auto& value : values)
        if (value.key == key) return &value;
    return nullptr;
}

namespace {

// Metadata comes from outside the image: anchors and aliases (billion laughs) and explicit
// tags have no business in it. Found with yaml-cpp's event parser, before any tree is built.
class Guard : public YAML::EventHandler {
public:
    Guard(const std::string& file, Report& report) : file_(file), report_(report) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { check(mark, anchor, ""); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        report_.error(where(mark), "YAML aliases are not allowed in node metadata");
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string&) override {
        check(mark, anchor, tag);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        check(mark, anchor, tag);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        check(mark, anchor, tag);
    }
    void OnMapEnd() override {}

private:
    Location where(const YAML::Mark& mark) const {
        return mark.line < 0 ? Location{file_} : Location{file_, mark.line + 1, mark.column + 1};
    }
    void check(const YAML::Mark& mark, YAML::anchor_t anchor, const std::string& tag) {
        if (anchor != YAML::NullAnchor)
            report_.error(where(mark), "YAML anchors are not allowed in node metadata");
        if (!tag.empty() && tag != "?" && tag != "!")
            report_.error(where(mark), "YAML tag '" + tag + "' is not allowed in node metadata");
    }

    std::string file_;
    Report& report_;
};

bool guard(const std::string& file, const std::string& text, Report& report) {
    Report found;
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        Guard handler(file, found);
        int documents = 0;
        while (parser.HandleNextDocument(handler))
            if (++documents > 1) {
                found.error(Location{file}, "node metadata must be a single YAML/JSON document");
                break;
            }
    } catch (const YAML::Exception&) {
        return true;  // the tree loader reports the syntax error with its location
    }
    report.merge(found);
    return !found.has_errors();
}

class Reader {
public:
    Reader(Document& out, Report& report) : out_(out), report_(report) {}

    void top(const yaml::Node& root) {
        if (root.is_null()) return;
        if (!root.is_mapping()) {
            report_.error(root.location, "node metadata must be a mapping, found " +
                                             std::string(yaml::kind_name(root)));
            return;
        }
        for (const auto& child : root.children) {
            if (child.key == "kiln") {
                kiln_map(child);
            } else if (child.key == "network") {
                network(child);
            } else if (const auto* key = alias(child.key)) {
                value(*key, child, "'" + child.key + "'");
            } else if (child.key == "network.encoding") {
                report_.error(child.key_location,
                              "an encoded 'network' is not supported; give 'network' as a mapping");
            } else {
                report_.warning(child.key_location,
                                "cloud-init key " + quoted_key(child.key) + " is not used by kiln");
            }
        }
    }

private:
    static const std::string_view* alias(const std::string& name) {
        for (const auto& a : cloud_init_aliases())
            if (a.cloud_init == name) return &a.key;
        return nullptr;
    }

    void kiln_map(const yaml::Node& node) {
        if (!node.is_mapping()) {
            report_.error(node.location, "'kiln' must be a mapping of node keys, found " +
                                             std::string(yaml::kind_name(node)));
            return;
        }
        for (const auto& child : node.children) {
            if (!find_key(child.key)) {
                auto hint = closest_key(child.key);
                report_.error(child.key_location,
                              "unknown node key " + quoted_key(child.key) + " in the 'kiln' map" +
                                  (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
                continue;
            }
            value(child.key, child, "'kiln." + child.key + "'");
        }
    }

    void value(std::string_view key, const yaml::Node& node, const std::string& context) {
        const KeySpec& spec = *find_key(key);
        std::string text;
        if (node.is_scalar()) {
            text = node.scalar;
        } else if (node.is_sequence() && spec.is_list()) {
            std::vector<std::string> items;
            for (const auto& item : node.children) {
                if (!item.is_scalar()) {
                    report_.error(item.location, context + " must be a list of strings, found " +
                                                     std::string(yaml::kind_name(item)) + " in it");
                    return;
                }
                items.push_back(item.scalar);
            }
            text = join_items(spec, items);
        } else if (node.is_mapping() && spec.type == ValueType::ssh_keys) {
            // cloud-init also accepts public-keys as {name: key, ...}
            std::vector<std::string> items;
            for (const auto& item : node.children) {
                if (!item.is_scalar()) {
                    report_.error(item.location, context + " entries must be strings");
                    return;
                }
                items.push_back(item.scalar);
            }
            text = join_items(spec, items);
        } else {
            report_.error(
                node.location,
                context + " must be " +
                    std::string(spec.is_list() ? "a string or a list of strings" : "a string") +
                    ", found " + std::string(yaml::kind_name(node)));
            return;
        }
        if (const auto* previous = out_.find(key)) {
            report_.error(node.key_location.has_position() ? node.key_location : node.location,
                          context + " sets '" + std::string(key) + "' again (already set at " +
                              previous->where.str() + ")");
            return;
        }
        out_.values.push_back({std::string(key), std::move(text), node.location});
    }

    // Netplan-style network config version 2: the first ethernet with a static address.
    void network(const yaml::Node& node) {
        if (node.is_null()) return;
        if (!node.is_mapping()) {
            report_.error(node.location, "'network' must be a mapping (network config version 2)");
            return;
        }
        const auto* version = node.find("version");
        if (!version || !version->is_scalar() || version->scalar != "2") {
            report_.error(version ? version->location : node.location,
                          "'network' must have version: 2 (netplan-style network config)");
            return;
        }
        const auto* ethernets = node.find("ethernets");
        if (!ethernets) return;
        if (!ethernets->is_mapping()) {
            report_.error(ethernets->location, "'network.ethernets' must be a mapping");
            return;
        }
        bool used = false;
        for (const auto& eth : ethernets->children) {
            if (!is_plain_key(eth.key)) {
                report_.error(eth.key_location,
                              "'network.ethernets' names an interface " + quoted_key(eth.key));
                continue;
            }
            if (!eth.is_mapping()) {
                report_.error(eth.location,
                              "'network.ethernets." + eth.key + "' must be a mapping");
                continue;
            }
            const auto* addresses = eth.find("addresses");
            if (!addresses) continue;
            if (used) {
                report_.warning(eth.key_location,
                                "only the first ethernet with addresses is configured; '" +
                                    eth.key + "' is ignored");
                continue;
            }
            used = true;
            std::string context = "'network.ethernets." + eth.key;
            scalar_value("interface", eth.key, eth.key_location, context + "'");
            if (addresses->is_sequence() && !addresses->children.empty() &&
                addresses->children.front().is_scalar()) {
                const auto& first = addresses->children.front();
                scalar_value("address", first.scalar, first.location, context + ".addresses'");
                if (addresses->children.size() > 1)
                    report_.warning(addresses->children[1].location,
                                    "only the first address of " + context + "' is configured");
            } else {
                report_.error(addresses->location,
                              context + ".addresses' must be a list of address/prefix");
            }
            gateway(eth, context);
            if (const auto* ns = eth.find("nameservers")) {
                const auto* list = ns->is_mapping() ? ns->find("addresses") : nullptr;
                if (list) value("dns", *list, context + ".nameservers.addresses'");
            }
        }
    }

    void gateway(const yaml::Node& eth, const std::string& context) {
        for (const char* name : {"gateway4", "gateway6"})
            if (const auto* gw = eth.find(name)) {
                if (gw->is_scalar())
                    return scalar_value("gateway", gw->scalar, gw->location,
                                        context + "." + name + "'");
                report_.error(gw->location, context + "." + name + "' must be an address");
                return;
            }
        const auto* routes = eth.find("routes");
        if (!routes || !routes->is_sequence()) return;
        for (const auto& route : routes->children) {
            const auto* to = route.find("to");
            const auto* via = route.find("via");
            if (!to || !via || !to->is_scalar() || !via->is_scalar()) continue;
            if (to->scalar == "default" || to->scalar == "0.0.0.0/0" || to->scalar == "::/0")
                return scalar_value("gateway", via->scalar, via->location, context + ".routes'");
        }
    }

    void scalar_value(std::string_view key, const std::string& text, const Location& where,
                      const std::string& context) {
        if (const auto* previous = out_.find(key)) {
            report_.error(where, context + " sets '" + std::string(key) +
                                     "' again (already set at " + previous->where.str() + ")");
            return;
        }
        out_.values.push_back({std::string(key), text, where});
    }

    Document& out_;
    Report& report_;
};

}  // namespace

std::optional<Document> read_document(const std::string& display_name, const std::string& text,
                                      SourceFiles& sources, Report& report) {
    sources.add(display_name, text);
    if (!guard(display_name, text, report)) return std::nullopt;
    auto root = yaml::load_string(display_name, text, sources, report);
    if (!root) return std::nullopt;
    // Values read before and after a structure error are kept: the caller's report already
    // fails the run, and the other values can still be checked and reported at once.
    Document document;
    Reader(document, report).top(*root);
    return document;
}

}  // namespace kiln::node
