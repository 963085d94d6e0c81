#include "bake/tools.hpp"

namespace kiln::bake {

namespace {

LogSink g_sink;

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

ProcessResult run(ProcessSpec spec, StdoutTo stdout_to) {
    throw_if_interrupted();
    log_line("$ " + quote_command(spec.argv));
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
