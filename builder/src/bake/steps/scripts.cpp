#include "bake/steps/scripts.hpp"

#include <charconv>
#include <optional>
#include <sstream>

#include "bake/guest/native_root.hpp"
#include "bake/planned_file.hpp"

namespace kiln::bake {

namespace {

// The host's name servers in a host tree's /etc/resolv.conf while a step runs, the template's
// own file back afterwards, also when the step fails. The appliance needs none of this:
// libguestfs gives commands its own resolver.
class HostNameServers {
public:
    explicit HostNameServers(Root& root) : root_(root) {
        if (!dynamic_cast<NativeRoot*>(&root) || root.is_symlink(kFile)) return;
        std::string host;
        try {
            host = read_host_file(kFile);
        } catch (const Error&) {
            return;  // the host has none to give
        }
        saved_ = root.read_file(kFile);
        root.write_file(kFile, host, 0644, 0, 0);
        active_ = true;
    }
    ~HostNameServers() {
        if (!active_) return;
        try {
            if (saved_)
                root_.write_file(kFile, *saved_, 0644, 0, 0);
            else
                root_.remove(kFile);
        } catch (const std::exception& e) {
            log_line(std::string("cannot put the template's /etc/resolv.conf back: ") + e.what());
        }
    }
    HostNameServers(const HostNameServers&) = delete;
    HostNameServers& operator=(const HostNameServers&) = delete;

private:
    static constexpr const char* kFile = "/etc/resolv.conf";
    Root& root_;
    std::optional<std::string> saved_;
    bool active_ = false;
};

// The step's files leave the guest however the step ends.
class StepFiles {
public:
    StepFiles(Root& root, const std::string& text) : root_(root) {
        root.make_directory("/tmp", 01777, 0, 0);
        root.write_file(kScriptPath, text, 0700, 0, 0);
    }
    ~StepFiles() {
        try {
            root_.remove(kScriptPath);
            root_.remove(kScriptOutputPath);
        } catch (const std::exception& e) {
            log_line(std::string("cannot remove a build step's files: ") + e.what());
        }
    }
    StepFiles(const StepFiles&) = delete;
    StepFiles& operator=(const StepFiles&) = delete;

private:
    Root& root_;
};

std::optional<int> exit_status(const std::string& printed) {
    std::size_t end = printed.find_last_not_of(" \t\r\n");
    if (end == std::string::npos) return std::nullopt;
    std::size_t start = printed.find_last_of(" \t\r\n", end);
    start = start == std::string::npos ? 0 : start + 1;
    int status = 0;
    auto [ptr, ec] = std::from_chars(printed.data() + start, printed.data() + end + 1, status);
    if (ec != std::errc{} || ptr != printed.data() + end + 1) return std::nullopt;
    return status;
}

}  // namespace

std::vector<std::string> script_command(const plan::RunScript& step) {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", kGuestPath, "HOME=/root",
                                     "LANG=C.UTF-8"};
    argv.insert(argv.end(), build_environment().begin(), build_environment().end());
    for (const auto& [name, value] : step.env) argv.push_back(name + "=" + value.value);
    argv.insert(argv.end(), {"/bin/sh", "-c", "\"$0\" \"$1\" >\"$2\" 2>&1 </dev/null; echo $?",
                             step.interpreter.value, kScriptPath, kScriptOutputPath});
    return argv;
}

void run_script(Context& ctx, const plan::RunScript& step, const Location& where) {
    Root& root = *ctx.root;
    const std::string& name = step.name.value;
    std::string text = step.file.path.empty() ? step.text.value : read_planned(step.file, where);
    if (!root.exists(step.interpreter.value))
        throw LocatedError(step.interpreter.where,
                           "script '" + name + "': its interpreter " + step.interpreter.value +
                               " is not in the image (install its package first)");

    ProcessResult run;
    std::string output;
    {
        HostNameServers name_servers(root);
        StepFiles files(root, text);
        run = root.run(script_command(step), {}, StdoutTo::result);
        output = root.read_file(kScriptOutputPath).value_or("");
    }
    std::istringstream lines(output);
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line); ++count) log_line("[" + name + "] " + line);

    std::optional<int> status = run.succeeded() ? exit_status(run.out) : std::nullopt;
    if (!status)
        throw LocatedError(where,
                           "script '" + name + "' could not be run in " + root.describe() + ": " +
                               (run.succeeded() ? "no exit status" : run.describe()),
                           ExitCode::failed);
    if (*status != 0) {
        ProcessResult ended;
        ended.outcome = Outcome::exited;
        ended.exit_code = *status;
        ended.err = output;
        throw LocatedError(where, "script '" + name + "' failed: " + ended.describe(),
                           ExitCode::failed);
    }
    ctx.note = std::to_string(count) + (count == 1 ? " line" : " lines") + " of output";
}

}  // namespace kiln::bake
