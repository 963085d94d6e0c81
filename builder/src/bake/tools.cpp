#include "bake/tools.hpp"

namespace kiln::bake {

namespace {

LogSink g_sink;
std::vector<std::string> g_environment;

// Ends the tool's registration however run() is left.
struct RunningTool {
    RunningTool() = default;
    RunningTool(const RunningTool&) = delete;
    RunningTool& operator=(const RunningTool&) = delete;
    ~RunningTool() { tool_ended(); }
};

}  // namespace

void set_log_sink(LogSink sink) {
    g_sink = std::move(sink);
}

void log_line(const std::string& line) {
    if (g_sink) g_sink(line);
}

void set_build_environment(std::vector<std::string> entries) {
    g_environment = std::move(entries);
}

const std::vector<std::string>& build_environment() {
    return g_environment;
}

ProcessResult run(ProcessSpec spec, StdoutTo stdout_to) {
    throw_if_interrupted();
    log_line("$ " + quote_command(spec.argv));
    // The program's own entries come last: they replace the build's.
    spec.env.insert(spec.env.begin(), g_environment.begin(), g_environment.end());
    spec.stdout_joins_stderr = stdout_to == StdoutTo::log;
    spec.on_line = [](OutputStream stream, std::string_view line) {
        if (stream == OutputStream::err) log_line(std::string(line));
    };
    spec.on_start = tool_started;
    spec.stop_requested = interrupted;
    RunningTool registration;
    ProcessResult result = run_process(spec);
    throw_if_interrupted();
    return result;
}

ProcessResult run_checked(ProcessSpec spec, const std::string& what, StdoutTo stdout_to) {
    ProcessResult result = run(spec, stdout_to);
    if (!result.succeeded()) throw ProcessFailed(what, spec.argv.front(), result);
    return result;
}

}  // namespace kiln::bake
