#pragma once

#include <string>
#include <string_view>
#include <vector>

// Logging for kiln-firstboot: human lines on stderr (with syslog level prefixes when stderr is
// the journal, so the unit's console copy stays readable), and structured journal entries
// (KILN_STAGE=, KILN_EVENT=) for every stage start, finish and failure. Secrets registered with
// hide() are replaced in everything logged.
namespace kiln::firstboot {

class Log {
public:
    void hide(const std::vector<std::string>& secrets);
    void info(std::string_view message);
    void warning(std::string_view message);
    void error(std::string_view message);

    void stage_started(std::string_view stage);
    void stage_finished(std::string_view stage, std::string_view detail = {});
    void stage_failed(std::string_view stage, std::string_view message);

    // Type=notify: STATUS= lines for `systemctl status`.
    void notify_status(std::string_view status);
    void notify_ready();

    std::string scrub(std::string_view text) const;

private:
    void emit(int priority, std::string_view stage, std::string_view event,
              std::string_view message);
    std::vector<std::string> secrets_;
};

}  // namespace kiln::firstboot
