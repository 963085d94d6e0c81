#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// Where a value came from: a file and a 1-based line and column, or a named origin
// without lines (a command-line --var, a metadata transport).
struct Location {
    std::string file;
    int line = 0;
    int column = 0;

    bool has_position() const { return line > 0; }
    std::string str() const;  // "file:line:col" or "file"
    auto operator<=>(const Location&) const = default;
};

// A value with the place it was read from, so that a later stage can still name that line.
template <class T>
struct Located {
    T value{};
    Location where;
};

using Text = Located<std::string>;
using TextList = std::vector<Text>;

// Where byte `offset` of `text` (the content of `file`) is: its 1-based line and column (in
// bytes); only the file when the offset is negative or past the end.
Location location_of(const std::string& file, std::string_view text, std::ptrdiff_t offset);

// Keeps the text of every file read, so diagnostics can quote the offending line. Only text a
// user wrote goes in here: whatever is kept may be quoted.
class SourceFiles {
public:
    void add(const std::string& display_name, std::string text);
    void forget(const std::string& display_name);
    // The line (1-based) without its line break; the line starts are found once per file.
    std::optional<std::string> line(const std::string& display_name, int line) const;
    static std::optional<std::string> line_of(const std::string& text, int line);

private:
    struct File {
        std::string text;
        std::vector<std::size_t> line_starts;
    };
    std::map<std::string, File> files_;
};

}  // namespace kiln
