#include "profile/loader.hpp"

#include "kiln/error.hpp"
#include "kiln/map_reader.hpp"
#include "profile/compose.hpp"
#include "profile/decode.hpp"

namespace kiln::profile {

namespace {

// Reads `variables`, applies --var overrides, and resolves references between variables.
std::map<std::string, std::string> collect_variables(const yaml::Node& root,
                                                     const LoadOptions& options, Report& report) {
    std::map<std::string, std::string> values;
    std::map<std::string, Location> where;
    if (const yaml::Node* node = root.find("variables")) {
        if (!node->is_mapping()) {
            report.error(node->location,
                         "'variables' must be a mapping of names to strings, found " +
                             std::string(yaml::kind_name(*node)));
        } else {
            for (const auto& child : node->children) {
                auto text = yaml::as_text(child, "variables." + child.key, report);
                if (!text) continue;
                values[child.key] = text->value;
                where[child.key] = text->where;
            }
        }
    }
    for (const auto& [name, value] : options.variables) {
        if (!values.contains(name)) {
            report.error(Location{"--var " + name},
                         "variable '" + name + "' is not declared in the profile's 'variables'");
            continue;
        }
        values[name] = value;
        where[name] = Location{"--var " + name};
    }
    // Variables may refer to each other; a few rounds settle any sane chain.
    for (int round = 0; round < 8; ++round) {
        bool changed = false;
        for (auto& [name, value] : values) {
            if (value.find("${") == std::string::npos) continue;
            yaml::Node scalar;
            scalar.kind = yaml::Kind::scalar;
            scalar.scalar = value;
            scalar.location = where[name];
            Report silent;
            substitute_variables(scalar, values, silent);
            if (scalar.scalar != value) value = scalar.scalar, changed = true;
        }
        if (!changed) break;
    }
    for (const auto& [name, value] : values) {
        yaml::Node scalar;
        scalar.kind = yaml::Kind::scalar;
        scalar.scalar = value;
        scalar.location = where[name];
        substitute_variables(scalar, values, report);  // reports undefined or cyclic references
    }
    return values;
}

}  // namespace

std::pair<std::string, std::string> parse_variable_assignment(const std::string& text) {
    auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0)
        throw UsageError("--var expects name=value, got '" + text + "'");
    return {text.substr(0, equals), text.substr(equals + 1)};
}

std::optional<Profile> load(const std::string& display_path, const LoadOptions& options,
                            SourceFiles& sources, Report& report) {
    auto composed = compose(display_path, sources, report);
    if (!composed) return std::nullopt;
    auto variables = collect_variables(composed->root, options, report);
    substitute_variables(composed->root, variables, report);

    DecodeContext context{composed->paths, options.check_files,
                          std::filesystem::path(display_path).stem().string()};
    Profile profile = decode(composed->root, context, report);
    profile.path = composed->paths[display_path];
    profile.display_path = display_path;
    profile.files = composed->files;
    profile.variables = std::move(variables);
    if (report.has_errors()) return std::nullopt;
    return profile;
}

}  // namespace kiln::profile
