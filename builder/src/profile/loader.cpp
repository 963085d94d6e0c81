#include "profile/loader.hpp"

#include "kiln/error.hpp"
#include "profile/compose.hpp"
#include "profile/decode.hpp"
#include "profile/variables.hpp"

namespace kiln::profile {

std::pair<std::string, std::string> parse_variable_assignment(const std::string& text) {
    auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0)
        throw UsageError("--var expects name=value, got '" + text + "'");
    return {text.substr(0, equals), text.substr(equals + 1)};
}

std::optional<Profile> load(const std::string& display_path, const LoadOptions& options,
                            SourceFiles& sources, Report& report) {
    auto composed = compose(display_path, options.allowed_include_folders, sources, report);
    if (!composed) return std::nullopt;
    Variables variables = resolve_variables(composed->root, options.variables, report);
    substitute_variables(composed->root, variables, report);

    DecodeContext context{composed->paths, options.check_files,
                          std::filesystem::path(display_path).stem().string()};
    Profile profile = decode(composed->root, context, report);
    profile.path = composed->paths[display_path];
    profile.display_path = display_path;
    profile.files = composed->files;
    profile.variables = std::move(variables.values);
    if (report.has_errors()) return std::nullopt;
    return profile;
}

}  // namespace kiln::profile
