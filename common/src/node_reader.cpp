#include "kiln/node_reader.hpp"

#include <vector>

#include "kiln/map_reader.hpp"

namespace kiln::node {

std::optional<Text> read_value(const KeySpec& spec, const yaml::Node& value,
                               const std::string& path, Report& report) {
    std::optional<Text> text;
    if (spec.is_list() && value.is_sequence()) {
        std::vector<std::string> items;
        for (const auto& item : yaml::as_text_list(value, path, report))
            items.push_back(item.value);
        text = Text{join_items(spec, items), value.location};
    } else {
        text = yaml::as_text(value, path, report);
    }
    if (!text) return std::nullopt;
    if (auto problem = check_value(spec, text->value)) {
        report.error(text->where, "'" + path + "': " + *problem);
        return std::nullopt;
    }
    return text;
}

std::map<std::string, Text> read_defaults(const yaml::Node& mapping, const std::string& path,
                                          Report& report) {
    std::map<std::string, Text> out;
    if (!mapping.is_mapping()) {
        report.error(mapping.location, "'" + path + "' must be a mapping of node keys, found " +
                                           std::string(yaml::kind_name(mapping)));
        return out;
    }
    for (const auto& child : mapping.children) {
        const KeySpec* spec = find_key(child.key);
        if (!spec) {
            auto hint = closest_key(child.key);
            report.error(child.key_location,
                         "unknown node key '" + child.key + "' in '" + path + "'" +
                             (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
        } else if (spec->is_secret()) {
            report.error(child.key_location,
                         "'" + child.key +
                             "' is a secret and cannot have a default: it would be baked into "
                             "the image; pass it as node metadata");
        } else if (auto value = read_value(*spec, child, path + "." + child.key, report)) {
            out[child.key] = *value;
        }
    }
    return out;
}

}  // namespace kiln::node
