#include "bake/interruption.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>

#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::bake {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
volatile std::sig_atomic_t g_tool_group = 0;
volatile std::sig_atomic_t g_extra_child = 0;
std::string g_child_record;

void on_signal(int) {
    g_interrupted = 1;
    if (g_tool_group > 0) ::kill(-g_tool_group, SIGTERM);
    if (g_extra_child > 0) ::kill(g_extra_child, SIGKILL);
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGHUP, &sa, nullptr);
}

bool interrupted() {
    return g_interrupted != 0;
}

void throw_if_interrupted() {
    if (interrupted()) throw Interrupted();
}

void register_extra_child(int pid) {
    g_extra_child = pid;
}

void clear_extra_child() {
    g_extra_child = 0;
}

void set_child_record(const std::string& path) {
    g_child_record = path;
}

void tool_started(pid_t group) {
    g_tool_group = group;
    if (g_child_record.empty()) return;
    UniqueFd record(::open(g_child_record.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!record) return;
    std::string text = std::to_string(group) + "\n";
    (void)!::write(record.get(), text.data(), text.size());
}

void tool_ended() {
    g_tool_group = 0;
}

}  // namespace kiln::bake
