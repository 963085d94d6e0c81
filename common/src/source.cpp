#include "kiln/source.hpp"

#include <fstream>
#include <sstream>

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

const std::string* SourceFiles::load(const std::string& display_name,
                                     const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return nullptr;
    auto [it, inserted] = texts_.insert_or_assign(display_name, text.str());
    return &it->second;
}

void SourceFiles::add(const std::string& display_name, std::string text) {
    texts_.insert_or_assign(display_name, std::move(text));
}

std::optional<std::string> SourceFiles::line(const std::string& display_name, int line) const {
    auto it = texts_.find(display_name);
    if (it == texts_.end()) return std::nullopt;
    return line_of(it->second, line);
}

std::optional<std::string> SourceFiles::line_of(const std::string& text, int line) {
    if (line < 1) return std::nullopt;
    std::size_t start = 0;
    for (int n = 1; n < line; ++n) {
        start = text.find('\n', start);
        if (start == std::string::npos) return std::nullopt;
        ++start;
    }
    if (start > text.size()) return std::nullopt;
    std::size_t end = text.find('\n', start);
    std::string result = text.substr(start, end == std::string::npos ? end : end - start);
    if (!result.empty() && result.back() == '\r') result.pop_back();
    return result;
}

}  // namespace kiln
