#pragma once

#include <array>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"
#include "kiln/source.hpp"

namespace kiln {

enum class Severity { error, warning };
constexpr auto name_table(Severity) {
    using enum Severity;
    return std::to_array<EnumName<Severity>>({{error, "error"}, {warning, "warning"}});
}

struct Diagnostic {
    Severity severity;
    Location location;
    std::string message;
};

// Collects every problem found in an input instead of stopping at the first one.
class Report {
public:
    // The most problems format() and to_json() list: errors first, then warnings, each shown in
    // file order; the rest are counted ("N more problems not shown"). Every problem still counts
    // in error_count() and warning_count().
    static constexpr std::size_t kMaxShown = 100;

    void error(const Location& where, std::string message);
    void warning(const Location& where, std::string message);
    void merge(const Report& other);

    // Turns warnings into errors (--strict).
    void promote_warnings();

    bool has_errors() const;
    std::size_t error_count() const;
    std::size_t warning_count() const;
    const std::vector<Diagnostic>& diagnostics() const { return items_; }
    bool empty() const { return items_.empty(); }

    // Sorted by file, line, column; each "FILE:LINE:COL: error: message" then the quoted line.
    // Everything taken from an input is made printable (kiln/printable.hpp).
    std::string format(const SourceFiles* sources) const;
    nlohmann::json to_json() const;

private:
    std::vector<Diagnostic> items_;
};

}  // namespace kiln
