#include "kiln/diagnostics.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "kiln/printable.hpp"

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

bool by_location(const Diagnostic* a, const Diagnostic* b) {
    return a->location < b->location;
}

// The diagnostics to list, in file order: the first kMaxShown errors, then warnings while
// there is room, so that no error is hidden behind warnings.
std::vector<const Diagnostic*> shown(const std::vector<Diagnostic>& items) {
    std::vector<const Diagnostic*> errors, warnings;
    for (const auto& d : items) (d.severity == Severity::error ? errors : warnings).push_back(&d);
    std::stable_sort(errors.begin(), errors.end(), by_location);
    std::stable_sort(warnings.begin(), warnings.end(), by_location);
    std::vector<const Diagnostic*> list(
        errors.begin(), errors.begin() + std::min(errors.size(), Report::kMaxShown));
    std::size_t room = Report::kMaxShown - list.size();
    list.insert(list.end(), warnings.begin(), warnings.begin() + std::min(warnings.size(), room));
    std::stable_sort(list.begin(), list.end(), by_location);
    return list;
}

// The quoted line, printable, and a caret under `column` (a byte offset into the original
// line); tabs are kept so that the caret lines up under the quoted text.
std::pair<std::string, std::string> quote(const std::string& line, int column) {
    std::string before = printable(
        std::string_view(line).substr(0, static_cast<std::size_t>(std::clamp<int>(
                                             column - 1, 0, static_cast<int>(line.size())))),
        "\t");
    std::string pad;
    for (char c : before)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) pad += c == '\t' ? '\t' : ' ';
    return {printable(line, "\t"), pad + "^"};
}

}  // namespace

std::string Report::format(const SourceFiles* sources) const {
    std::string out;
    auto list = shown(items_);
    for (const Diagnostic* d : list) {
        out += printable(d->location.str()) + ": " + to_string(d->severity) + ": " +
               printable(d->message) + "\n";
        if (!sources || !d->location.has_position()) continue;
        auto text = sources->line(d->location.file, d->location.line);
        if (!text) continue;
        auto [line, caret] = quote(*text, d->location.column);
        std::string number = std::to_string(d->location.line);
        out += " " + number + " | " + line + "\n";
        out += " " + std::string(number.size(), ' ') + " | " + caret + "\n";
    }
    if (list.size() < items_.size())
        out += std::to_string(items_.size() - list.size()) + " more problems not shown (at most " +
               std::to_string(kMaxShown) + " are listed, errors first)\n";
    return out;
}

nlohmann::json Report::to_json() const {
    auto list = nlohmann::json::array();
    auto selected = shown(items_);
    for (const Diagnostic* d : selected) {
        nlohmann::json item = {{"severity", to_string(d->severity)},
                               {"file", printable(d->location.file)},
                               {"message", printable(d->message)}};
        if (d->location.has_position()) {
            item["line"] = d->location.line;
            item["column"] = d->location.column;
        }
        list.push_back(std::move(item));
    }
    return {{"errors", error_count()},
            {"warnings", warning_count()},
            {"diagnostics", list},
            {"not_shown", items_.size() - selected.size()}};
}

}  // namespace kiln
