#include "profile/compose.hpp"

#include <algorithm>

namespace kiln::profile {

namespace {

namespace fs = std::filesystem;

class Composer {
public:
    Composer(SourceFiles& sources, Report& report) : sources_(sources), report_(report) {}

    std::optional<yaml::Node> load(const std::string& display, const fs::path& path,
                                   const Location& included_from) {
        fs::path identity = fs::weakly_canonical(path);
        if (std::find(stack_.begin(), stack_.end(), identity) != stack_.end()) {
            std::string chain;
            for (const auto& display_name : display_stack_) chain += display_name + " -> ";
            report_.error(included_from, "include cycle: " + chain + display);
            return std::nullopt;
        }
        if (!fs::exists(path)) {
            report_.error(included_from.file.empty() ? Location{display} : included_from,
                          included_from.file.empty() ? "profile file not found"
                                                     : "included file '" + display + "' not found");
            return std::nullopt;
        }
        auto root = yaml::load_file(display, path, sources_, report_);
        if (!root) return std::nullopt;
        if (std::find(files_.begin(), files_.end(), display) == files_.end()) {
            files_.push_back(display);
            paths_[display] = path;
        }
        if (!root->is_mapping()) {
            if (root->is_null())
                report_.error(Location{display, 1, 1}, "the profile is empty");
            else
                report_.error(root->location, "a profile must be a mapping of keys, found " +
                                                  std::string(yaml::kind_name(*root)));
            return std::nullopt;
        }

        stack_.push_back(identity);
        display_stack_.push_back(display);
        yaml::Node merged;
        merged.kind = yaml::Kind::mapping;
        merged.location = root->location;
        if (const yaml::Node* includes = root->find("include")) {
            for (const auto& item : include_items(*includes)) {
                std::string child_display =
                    (fs::path(display).parent_path() / item.scalar).lexically_normal().string();
                fs::path child_path = path.parent_path() / item.scalar;
                if (auto child = load(child_display, child_path, item.location))
                    merge_into(merged, *child);
            }
            root->erase("include");
        }
        merge_into(merged, *root);
        stack_.pop_back();
        display_stack_.pop_back();
        return merged;
    }

    std::vector<std::string> files_;
    std::map<std::string, fs::path> paths_;

private:
    std::vector<yaml::Node> include_items(const yaml::Node& includes) {
        std::vector<yaml::Node> items;
        if (includes.is_scalar() && !includes.is_null()) {
            items.push_back(includes);
        } else if (includes.is_sequence()) {
            for (const auto& item : includes.children) {
                if (item.is_scalar() && !item.is_null())
                    items.push_back(item);
                else
                    report_.error(item.location, "'include' entries must be file paths, found " +
                                                     std::string(yaml::kind_name(item)));
            }
        } else {
            report_.error(includes.location,
                          "'include' must be a file path or a list of them, found " +
                              std::string(yaml::kind_name(includes)));
        }
        return items;
    }

    SourceFiles& sources_;
    Report& report_;
    std::vector<fs::path> stack_;
    std::vector<std::string> display_stack_;
};

std::string substitute(const std::string& text, const Location& where,
                       const std::map<std::string, std::string>& variables, Report& report,
                       bool& failed) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 3, "$${") == 0) {
            out += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out += text[i++];
            continue;
        }
        std::size_t close = text.find('}', i + 2);
        if (close == std::string::npos) {
            report.error(where, "unterminated variable reference in '" + text + "'");
            failed = true;
            return text;
        }
        std::string name = text.substr(i + 2, close - i - 2);
        auto it = variables.find(name);
        if (it == variables.end()) {
            report.error(where, "undefined variable '" + name + "'");
            failed = true;
            out += text.substr(i, close + 1 - i);
        } else {
            out += it->second;
        }
        i = close + 1;
    }
    return out;
}

}  // namespace

void merge_into(yaml::Node& base, const yaml::Node& overlay) {
    if (overlay.tag == "!replace" || base.kind != overlay.kind ||
        overlay.kind == yaml::Kind::scalar || overlay.kind == yaml::Kind::null) {
        std::string key = base.key;
        Location key_location = base.key_location;
        base = overlay;
        if (base.tag == "!replace") base.tag.clear();
        if (!key.empty()) base.key = key, base.key_location = overlay.key_location;
        return;
    }
    if (overlay.is_sequence()) {
        base.children.insert(base.children.end(), overlay.children.begin(), overlay.children.end());
        return;
    }
    for (const auto& child : overlay.children) {
        if (yaml::Node* existing = base.find(child.key))
            merge_into(*existing, child);
        else
            base.children.push_back(child);
    }
}

void substitute_variables(yaml::Node& node, const std::map<std::string, std::string>& variables,
                          Report& report) {
    if (node.is_scalar()) {
        if (node.scalar.find("${") != std::string::npos)
            node.scalar = substitute(node.scalar, node.location, variables, report, node.reported);
        return;
    }
    for (auto& child : node.children) {
        if (node.is_mapping() && child.key == "variables") continue;
        substitute_variables(child, variables, report);
    }
}

std::optional<ComposedDocument> compose(const std::string& display_path, SourceFiles& sources,
                                        Report& report) {
    Composer composer(sources, report);
    auto root = composer.load(display_path, display_path, Location{});
    if (!root) return std::nullopt;
    return ComposedDocument{std::move(*root), composer.files_, composer.paths_};
}

}  // namespace kiln::profile
