#include "profile/decode_scripts.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "kiln/grammar.hpp"
#include "kiln/map_reader.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/regular_file.hpp"
#include "profile/value_check.hpp"

namespace kiln::profile {

namespace {

namespace fs = std::filesystem;

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

// An absolute, normal path of plain characters: the program the image runs the step with.
grammar::Problem interpreter_path(std::string_view v) {
    std::string path(v);
    bool plain = std::all_of(path.begin(), path.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
               c == '-' || c == '+';
    });
    if (path.empty() || path.front() != '/' || !plain || path.back() == '/' ||
        fs::path(path).lexically_normal().string() != path)
        return "must be the absolute path of a program in the image, such as /bin/sh or "
               "/usr/bin/python3; found '" +
               path + "'";
    return std::nullopt;
}

grammar::Problem variable_name(std::string_view v) {
    bool valid =
        !v.empty() && v.size() <= 128 && !std::isdigit(static_cast<unsigned char>(v.front())) &&
        std::all_of(v.begin(), v.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!valid)
        return "'" + std::string(v) +
               "' is not an environment variable name (letters, digits and '_', not starting "
               "with a digit)";
    return std::nullopt;
}

class ScriptReader {
public:
    ScriptReader(const PathResolver& resolve, bool check_files, Report& report)
        : resolve_(resolve), check_files_(check_files), report_(report) {}

    std::optional<Script> read(const yaml::Node& item) {
        Script s;
        s.where = item.location;
        yaml::MapReader r(item, "scripts[]", report_);
        if (!r.valid()) return std::nullopt;
        if (auto v = r.text("name", true)) {
            if (check(*v, grammar::token, r.path("name")) && !names_.insert(v->value).second)
                report_.error(v->where, "script '" + v->value + "' is declared twice");
            s.name = *v;
        }
        if (auto v = r.text("interpreter", true)) {
            check(*v, interpreter_path, r.path("interpreter"));
            s.interpreter = *v;
        }
        bool has_run = r.has("run"), has_file = r.has("file");
        if (has_run == has_file)
            report_.error(item.location, "a script must have either 'run' (its text) or 'file'" +
                                             std::string(has_run ? ", not both" : ""));
        if (auto v = r.text("run")) {
            if (v->value.find_first_not_of(" \t\n") == std::string::npos)
                report_.error(v->where, "'" + r.path("run") + "' is empty");
            else
                check(*v, grammar::text, r.path("run"));
            s.run = *v;
        }
        if (auto v = r.text("file")) {
            s.file = *v;
            s.file_path = resolve_(*v);
            if (check_files_) check_file(*v, s.file_path);
        }
        if (const auto* env = r.get("env")) s.env = environment(*env, r.path("env"));
        return s;
    }

private:
    template <class Check>
    bool check(const Text& text, Check&& check_fn, const std::string& path) {
        return check_value(report_, text, check_fn, path);
    }

    void check_file(const Text& as_written, const fs::path& path) {
        if (!fs::exists(path)) {
            report_.error(as_written.where, "script file '" + as_written.value + "' not found");
            return;
        }
        auto opened = open_regular_file(path);
        if (auto* problem = std::get_if<FileProblem>(&opened))
            report_.error(as_written.where,
                          "script file '" + as_written.value + "' " + problem->message);
    }

    std::map<std::string, Text> environment(const yaml::Node& node, const std::string& path) {
        std::map<std::string, Text> env;
        if (!node.is_mapping()) {
            report_.error(node.location, "'" + path +
                                             "' must be a mapping of variable names to "
                                             "values, found " +
                                             std::string(yaml::kind_name(node)));
            return env;
        }
        for (const auto& child : node.children) {
            if (auto problem = variable_name(child.key)) {
                report_.error(child.key_location, "'" + path + "': " + *problem);
                continue;
            }
            if (auto problem = secret_variable_problem(child.key)) {
                report_.error(child.key_location, "'" + path + "." + child.key + "' " + *problem);
                continue;
            }
            auto value = yaml::as_text(child, path + "." + child.key, report_);
            if (!value) continue;
            check(*value, grammar::single_line, path + "." + child.key);
            env[child.key] = *value;
        }
        return env;
    }

    const PathResolver& resolve_;
    bool check_files_;
    Report& report_;
    std::set<std::string> names_;
};

}  // namespace

std::optional<std::string> secret_variable_problem(const std::string& name) {
    const std::string name_upper = upper(name);
    bool secret = false;
    for (const char* word : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE", "CREDENTIAL"})
        secret = secret || name_upper.find(word) != std::string::npos;
    for (const auto& spec : node::keys())
        if (spec.is_secret()) {
            std::string key = upper(spec.name);
            secret = secret || name_upper == key || name_upper == "KILN_" + key;
        }
    if (!secret) return std::nullopt;
    return "names a secret: a profile's values are in the plan, the manifest and the build log; "
           "a build step must not need one (fetch it inside the step, or leave it to first boot)";
}

std::vector<Script> decode_scripts(const yaml::Node& node, const PathResolver& resolve,
                                   bool check_files, Report& report) {
    std::vector<Script> scripts;
    if (!node.is_sequence()) {
        report.error(node.location,
                     "'scripts' must be a list, found " + std::string(yaml::kind_name(node)));
        return scripts;
    }
    ScriptReader reader(resolve, check_files, report);
    for (const auto& item : node.children)
        if (auto script = reader.read(item)) scripts.push_back(std::move(*script));
    return scripts;
}

}  // namespace kiln::profile
