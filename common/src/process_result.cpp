#include <cstring>

#include "kiln/process.hpp"

namespace kiln {

namespace {

constexpr std::size_t kTailLines = 25;

std::string duration_text(std::chrono::milliseconds ms) {
    auto count = ms.count();
    return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

std::string signal_name(int signal) {
    const char* abbreviation = ::sigabbrev_np(signal);
    return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

}  // namespace

std::string ProcessResult::ending() const {
    switch (outcome) {
        case Outcome::exited:
            return "exit " + std::to_string(exit_code);
        case Outcome::killed:
            return "killed by " + signal_name(signal);
        case Outcome::timed_out:
            return "timed out after " + duration_text(timeout);
        case Outcome::not_started:
            break;
    }
    return "could not start: " + start_error;
}

std::string ProcessResult::err_tail() const {
    std::size_t first = err.find_first_not_of("\r\n");
    std::size_t last = err.find_last_not_of(" \t\r\n");
    if (last == std::string::npos) return {};
    std::string_view text = std::string_view(err).substr(first, last + 1 - first);
    std::size_t start = text.size();
    for (std::size_t lines = 0; lines < kTailLines; ++lines) {
        std::size_t nl = start == 0 ? std::string_view::npos : text.rfind('\n', start - 1);
        if (nl == std::string_view::npos) return std::string(text);  // fewer lines: all of it
        start = nl;
    }
    return std::string(text.substr(start + 1));
}

std::string ProcessResult::describe() const {
    std::string tail = outcome == Outcome::exited ? err_tail() : "";
    if (tail.empty()) return ending();
    return ending() + (tail.find('\n') == std::string::npos ? ": " : ":\n") + tail;
}

ProcessFailed::ProcessFailed(const std::string& what, const std::string& program,
                             const ProcessResult& result)
    : Error(what + " failed (" + program + "): " + result.describe()) {}

std::string quote_command(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

}  // namespace kiln
