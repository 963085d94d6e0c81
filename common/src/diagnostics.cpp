#include "kiln/diagnostics.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace kiln {

void Report::error(const Location& where, std::string message) {
    items_.push_back({Severity::error, where, std::move(message)});
}

void Report::warning(const Location& where, std::string message) {
    items_.push_back({Severity::warning, where, std::move(message)});
}

void Report::merge(const Report& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Report::promote_warnings() {
    for (auto& item : items_) item.severity = Severity::error;
}

bool Report::has_errors() const {
    return error_count() > 0;
}

std::size_t Report::error_count() const {
    return std::count_if(items_.begin(), items_.end(),
                         [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::size_t Report::warning_count() const {
    return items_.size() - error_count();
}

namespace {

std::vector<Diagnostic> sorted(std::vector<Diagnostic> items) {
    std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.location < b.location;
    });
    return items;
}

// Tabs are kept so that the caret lines up under the quoted text.
std::string caret_line(const std::string& text, int column) {
    std::string pad;
    for (int i = 0; i + 1 < column && i < static_cast<int>(text.size()); ++i)
        pad += text[i] == '\t' ? '\t' : ' ';
    return pad + "^";
}

}  // namespace

std::string Report::format(const SourceFiles* sources) const {
    std::string out;
    for (const auto& d : sorted(items_)) {
        out += d.location.str() + ": " + to_string(d.severity) + ": " + d.message + "\n";
        if (!sources || !d.location.has_position()) continue;
        auto text = sources->line(d.location.file, d.location.line);
        if (!text) continue;
        std::string number = std::to_string(d.location.line);
        out += " " + number + " | " + *text + "\n";
        out += " " + std::string(number.size(), ' ') + " | " +
               caret_line(*text, d.location.column) + "\n";
    }
    return out;
}

nlohmann::json Report::to_json() const {
    auto list = nlohmann::json::array();
    for (const auto& d : sorted(items_)) {
        nlohmann::json item = {
            {"severity", to_string(d.severity)}, {"file", d.location.file}, {"message", d.message}};
        if (d.location.has_position()) {
            item["line"] = d.location.line;
            item["column"] = d.location.column;
        }
        list.push_back(std::move(item));
    }
    return {{"errors", error_count()}, {"warnings", warning_count()}, {"diagnostics", list}};
}

}  // namespace kiln
