#include "kiln/source.hpp"

namespace kiln {

std::string Location::str() const {
    if (!has_position()) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Location location_of(const std::string& file, std::string_view text, std::ptrdiff_t offset) {
    if (offset < 0 || static_cast<std::size_t>(offset) > text.size()) return Location{file};
    int line = 1, column = 1;
    for (char c : text.substr(0, static_cast<std::size_t>(offset))) {
        if (c == '\n')
            ++line, column = 1;
        else
            ++column;
    }
    return Location{file, line, column};
}

void SourceFiles::add(const std::string& display_name, std::string text) {
    File file{std::move(text), {0}};
    for (std::size_t at = file.text.find('\n'); at != std::string::npos;
         at = file.text.find('\n', at + 1))
        file.line_starts.push_back(at + 1);
    files_.insert_or_assign(display_name, std::move(file));
}

void SourceFiles::forget(const std::string& display_name) {
    files_.erase(display_name);
}

std::optional<std::string> SourceFiles::line(const std::string& display_name, int line) const {
    auto it = files_.find(display_name);
    if (it == files_.end()) return std::nullopt;
    const File& file = it->second;
    if (line < 1 || static_cast<std::size_t>(line) > file.line_starts.size()) return std::nullopt;
    std::size_t start = file.line_starts[line - 1];
    std::size_t end = static_cast<std::size_t>(line) < file.line_starts.size()
                          ? file.line_starts[line] - 1
                          : file.text.size();
    std::string result = file.text.substr(start, end - start);
    if (!result.empty() && result.back() == '\r') result.pop_back();
    return result;
}

std::optional<std::string> SourceFiles::line_of(const std::string& text, int line) {
    SourceFiles one;
    one.add("", text);
    return one.line("", line);
}

}  // namespace kiln
