#include "check/checks.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/redact.hpp"
#include "kiln/process.hpp"

namespace kiln::firstboot {

namespace {

// A private directory (0700) removed with everything in it when done.
class StagingDir {
public:
    StagingDir() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-check.XXXXXX";
        if (mkdtemp(pattern.data())) path_ = pattern;
    }
    ~StagingDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    StagingDir(const StagingDir&) = delete;
    StagingDir& operator=(const StagingDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

    std::filesystem::path write(const std::string& name, const std::string& content,
                                unsigned mode) {
        auto file = path_ / name;
        {
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            out << content;
        }
        chmod(file.c_str(), mode);
        return file;
    }

private:
    std::filesystem::path path_;
};

std::string first_interface() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ec)) {
        std::string name = entry.path().filename().string();
        if (name != "lo") return name;
    }
    return "lo";
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    if (from.empty()) return text;
    for (auto pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
    return text;
}

std::string word_after(const std::string& text, const std::string& keyword) {
    auto pos = text.find(keyword);
    if (pos == std::string::npos) return "";
    pos += keyword.size();
    auto end = text.find_first_of(" \n", pos);
    return text.substr(pos, end - pos);
}

std::string last_lines(const std::string& text, std::size_t count) {
    std::size_t start = text.size();
    while (start > 0 && text[start - 1] == '\n') --start;  // ignore trailing blank lines
    std::size_t end = start;
    for (std::size_t n = 0; n < count && start > 0; ++n) {
        auto prev = text.rfind('\n', start - 1);
        start = prev == std::string::npos ? 0 : prev;
        if (prev == std::string::npos) break;
    }
    if (start < end && text[start] == '\n') ++start;
    return text.substr(start, end - start);
}

// True when every complaint of `patroni --validate-config` is an unreachable host.
bool only_unreachable_hosts(const std::string& output) {
    std::size_t start = 0, complaints = 0;
    while (start < output.size()) {
        auto end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        std::string_view line(output.data() + start, end - start);
        start = end + 1;
        if (line.empty()) continue;
        if (line.find("is not reachable") == std::string_view::npos) return false;
        ++complaints;
    }
    return complaints > 0;
}

// Keepalived's config names an interface and a tracking script of the target. Where the target
// is not this machine (a preview), or the script is not here, stand-ins from this machine let
// keepalived -t judge the rest.
void stand_in_for_target(std::string& content, const CheckOptions& options, StagingDir& staging,
                         std::string& note) {
    std::string iface = word_after(content, "    interface ");
    std::error_code ec;
    if (options.preview && !std::filesystem::exists("/sys/class/net/" + iface, ec)) {
        std::string local = first_interface();
        content = replace_all(content, " " + iface + "\n", " " + local + "\n");
        note = "checked with interface " + local + " standing in for " + iface;
    }
    std::string script = word_after(content, "    script \"");
    if (!script.empty()) script.pop_back();  // the closing quote
    if (options.preview || !std::filesystem::exists(script, ec)) {
        auto stand_in = staging.write("check-script", "#!/bin/sh\nexit 0\n", 0755);
        content = replace_all(content, "\"" + script + "\"", "\"" + stand_in.string() + "\"");
    }
}

// Patroni's validator connects to every DCS host; before the cluster runs (which is always, at
// first boot) none answers. That is not a fault of the config.
bool only_unreachable_dcs_hosts(const std::string& output, std::string& note) {
    if (!only_unreachable_hosts(output)) return false;
    note = "valid; its DCS hosts do not answer yet (expected before the cluster starts)";
    return true;
}

// How one tool checks the rendered files that name it.
struct CheckerSpec {
    Checker checker;
    const char* tool;
    // The arguments after the tool's path that check the staged copy.
    std::vector<std::string> (*arguments)(const std::string& staged);
    // Adapts the content to this machine before it is staged; may set the outcome's note.
    void (*adapt)(std::string& content, const CheckOptions& options, StagingDir& staging,
                  std::string& note) = nullptr;
    // Whether a failure (its stdout + stderr) is a pass after all; sets the outcome's note.
    bool (*passes_anyway)(const std::string& output, std::string& note) = nullptr;
};

const CheckerSpec kCheckers[] = {
    {Checker::haproxy, "haproxy",
     [](const std::string& staged) -> std::vector<std::string> {
         return {"-c", "-q", "-f", staged};
     }},
    {Checker::keepalived, "keepalived",
     [](const std::string& staged) -> std::vector<std::string> {
         return {"-t", "-f", staged};
     },
     stand_in_for_target},
    {Checker::patroni, "patroni",
     [](const std::string& staged) -> std::vector<std::string> {
         return {"--validate-config", staged};
     },
     nullptr, only_unreachable_dcs_hosts},
    {Checker::consul, "consul",
     [](const std::string& staged) -> std::vector<std::string> {
         return {"validate", "-quiet", staged};
     }},
};

const CheckerSpec* spec_for(Checker checker) {
    for (const auto& spec : kCheckers)
        if (spec.checker == checker) return &spec;
    return nullptr;
}

CheckOutcome check_file(const RenderedFile& file, const CheckerSpec& spec,
                        const Rendering& rendering, const CheckOptions& options,
                        StagingDir& staging, Report& report) {
    CheckOutcome outcome;
    outcome.file = file.path;
    outcome.tool = spec.tool;
    std::string content = file.content;
    for (const auto& [from, to] : file.check_substitutions)
        content = replace_all(content, from, to);
    std::size_t companions = 0;
    for (const auto& other : rendering.files)
        if (other.staged_for_checks && content.find(other.path.string()) != std::string::npos) {
            auto staged = staging.write(
                "companion-" + std::to_string(++companions) + "-" + other.path.filename().string(),
                other.content, 0600);
            content = replace_all(content, other.path.string(), staged.string());
        }
    auto tool = find_program(outcome.tool);
    if (!tool) {
        outcome.note = outcome.tool + " is not installed here; not checked";
        return outcome;
    }
    if (spec.adapt) spec.adapt(content, options, staging, outcome.note);
    auto staged = staging.write(file.path.filename().string(), content, 0600);
    std::vector<std::string> argv = {tool->string()};
    for (auto& argument : spec.arguments(staged.string())) argv.push_back(std::move(argument));
    auto result = run_process({.argv = argv, .timeout = std::chrono::seconds(60)});
    outcome.ran = true;
    outcome.ok = result.succeeded();
    if (!outcome.ok && spec.passes_anyway)
        outcome.ok = spec.passes_anyway(result.out + result.err, outcome.note);
    if (!outcome.ok) {
        std::string output =
            replace_all(result.err + result.out, staged.string(), file.path.string());
        std::string message = outcome.tool + " rejects the rendered " + file.path.string() + " (" +
                              result.ending() + ")";
        for (const auto& secret : options.secrets) output = replace_all(output, secret, "(hidden)");
        message += ":\n" + last_lines(output, 12);
        report.error(Location{file.path.string()}, message);
    }
    return outcome;
}

}  // namespace

std::vector<CheckOutcome> run_checks(const Rendering& rendering, const CheckOptions& options,
                                     Report& report) {
    std::vector<CheckOutcome> outcomes;
    StagingDir staging;
    if (staging.path().empty()) {
        report.error(Location{"check"}, "cannot create a staging directory for the checks");
        return outcomes;
    }
    for (const auto& file : rendering.files)
        if (const CheckerSpec* spec = spec_for(file.checker))
            outcomes.push_back(check_file(file, *spec, rendering, options, staging, report));
    return outcomes;
}

}  // namespace kiln::firstboot
