#include "report/log.hpp"

#include "core/redact.hpp"

#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>

namespace kiln::firstboot {

namespace {
bool journal_attached() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    return stream && *stream;
}
}  // namespace

void Log::hide(const std::vector<std::string>& secrets) {
    for (const auto& s : secrets)
        if (!s.empty()) secrets_.push_back(s);
}

std::string Log::scrub(std::string_view text) const { return redact(text, secrets_); }

void Log::emit(int priority, std::string_view stage, std::string_view event,
               std::string_view message) {
    std::string text = scrub(message);
    if (journal_attached()) {
        std::string s(stage), e(event);
        sd_journal_send("MESSAGE=%s", text.c_str(), "PRIORITY=%i", priority,
                        "SYSLOG_IDENTIFIER=kiln-firstboot", "KILN_STAGE=%s", s.c_str(),
                        "KILN_EVENT=%s", e.c_str(), nullptr);
        return;
    }
    const char* level = priority <= LOG_ERR       ? "error: "
                        : priority == LOG_WARNING ? "warning: "
                                                  : "";
    std::fprintf(stderr, "kiln-firstboot: %s%s\n", level, text.c_str());
}

void Log::info(std::string_view message) {
    emit(LOG_INFO, "", "", message);
}
void Log::warning(std::string_view message) {
    emit(LOG_WARNING, "", "", message);
}
void Log::error(std::string_view message) {
    emit(LOG_ERR, "", "", message);
}

void Log::stage_started(std::string_view stage) {
    emit(LOG_INFO, stage, "started", "stage " + std::string(stage) + ": started");
    notify_status(std::string(stage) + "...");
}

void Log::stage_finished(std::string_view stage, std::string_view detail) {
    emit(LOG_INFO, stage, "finished",
         "stage " + std::string(stage) + ": finished" +
             (detail.empty() ? "" : " (" + std::string(detail) + ")"));
}

void Log::stage_failed(std::string_view stage, std::string_view message) {
    emit(LOG_ERR, stage, "failed",
         "stage " + std::string(stage) + ": failed: " + std::string(message));
}

void Log::notify_status(std::string_view status) {
    std::string line = "STATUS=" + scrub(status);
    sd_notify(0, line.c_str());
}

void Log::notify_ready() {
    sd_notify(0, "READY=1");
}

}  // namespace kiln::firstboot
