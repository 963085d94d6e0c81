#include "profile/compose.hpp"

#include <algorithm>
#include <unordered_map>
#include <variant>

#include "kiln/regular_file.hpp"

namespace kiln::profile {

namespace {

namespace fs = std::filesystem;

// The path with symlinks resolved as far as it exists, so that a link cannot hide where a file is.
fs::path resolved_path(const fs::path& path) {
    std::error_code ec;
    fs::path resolved = fs::weakly_canonical(fs::absolute(path), ec);
    return ec ? fs::absolute(path).lexically_normal() : resolved;
}

class Composer {
public:
    Composer(std::vector<fs::path> folders, SourceFiles& sources, Report& report)
        : folders_(std::move(folders)), sources_(sources), report_(report) {}

    std::optional<yaml::Node> load(const std::string& display, const fs::path& path,
                                   const Location& included_from) {
        const bool top = included_from.file.empty();
        fs::path identity = resolved_path(path);
        if (!top && !may_include(identity, display, included_from)) return std::nullopt;
        if (std::find(stack_.begin(), stack_.end(), identity) != stack_.end()) {
            std::string chain;
            for (const auto& display_name : display_stack_) chain += display_name + " -> ";
            report_.error(included_from, "include cycle: " + chain + display);
            return std::nullopt;
        }
        if (!fs::exists(path)) {
            report_.error(
                top ? Location{display} : included_from,
                top ? "profile file not found" : "included file '" + display + "' not found");
            return std::nullopt;
        }
        // A FIFO or a device is refused at the line that names it (the read would say where not).
        if (auto opened = open_regular_file(path); std::holds_alternative<FileProblem>(opened)) {
            const std::string& problem = std::get<FileProblem>(opened).message;
            report_.error(top ? Location{display} : included_from,
                          top ? problem : "included file '" + display + "' " + problem);
            return std::nullopt;
        }
        auto root = yaml::load_file(display, path, sources_, report_);
        if (!root) return std::nullopt;
        values_ += count_values(*root);
        if (values_ > kMaxComposedValues) {
            report_.error(root->location, "the profile and its includes have more than " +
                                              std::to_string(kMaxComposedValues) +
                                              " values (the limit)");
            return std::nullopt;
        }
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
    static std::size_t count_values(const yaml::Node& node) {
        std::size_t n = 1;
        for (const auto& child : node.children) n += count_values(child);
        return n;
    }

    static bool is_inside(const fs::path& path, const fs::path& folder) {
        fs::path relative = path.lexically_relative(folder);
        return !relative.empty() && *relative.begin() != "..";
    }

    bool may_include(const fs::path& identity, const std::string& display,
                     const Location& included_from) {
        if (++includes_ > kMaxIncludes) {
            if (includes_ == kMaxIncludes + 1)
                report_.error(included_from,
                              "more than " + std::to_string(kMaxIncludes) +
                                  " includes (the limit; a file included twice counts twice)");
            return false;
        }
        if (std::none_of(folders_.begin(), folders_.end(),
                         [&](const fs::path& folder) { return is_inside(identity, folder); })) {
            report_.error(included_from,
                          "included file '" + display +
                              "' is outside the profile's folder; kiln reads includes only from "
                              "there and from folders named with --allow-include");
            return false;
        }
        return true;
    }

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

    std::vector<fs::path> folders_;  // canonical: where includes may come from
    SourceFiles& sources_;
    Report& report_;
    std::size_t includes_ = 0;
    std::size_t values_ = 0;
    std::vector<fs::path> stack_;
    std::vector<std::string> display_stack_;
};

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
    // Indexed, so that merging a mapping of many keys stays linear.
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < base.children.size(); ++i) index.emplace(base.children[i].key, i);
    for (const auto& child : overlay.children) {
        if (auto it = index.find(child.key); it != index.end()) {
            merge_into(base.children[it->second], child);
        } else {
            index.emplace(child.key, base.children.size());
            base.children.push_back(child);
        }
    }
}

std::optional<ComposedDocument> compose(const std::string& display_path,
                                        const std::vector<fs::path>& allowed_folders,
                                        SourceFiles& sources, Report& report) {
    std::vector<fs::path> folders = {resolved_path(fs::absolute(display_path).parent_path())};
    for (const auto& folder : allowed_folders) folders.push_back(resolved_path(folder));
    Composer composer(std::move(folders), sources, report);
    auto root = composer.load(display_path, display_path, Location{});
    if (!root) return std::nullopt;
    return ComposedDocument{std::move(*root), composer.files_, composer.paths_};
}

}  // namespace kiln::profile
