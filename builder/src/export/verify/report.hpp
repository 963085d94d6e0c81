#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"

// What kiln verify found: one finding per check and fault, printed or as JSON. Details quote the
// input (member names, hrefs); both outputs escape what could act on a terminal or is not UTF-8.
namespace kiln::exporter {

enum class Outcome { ok, warning, fault };
constexpr auto name_table(Outcome) {
    using enum Outcome;
    return std::to_array<EnumName<Outcome>>({{ok, "ok"}, {warning, "warning"}, {fault, "fault"}});
}

struct Finding {
    Outcome outcome;
    std::string check;  // tar, order, manifest, signature, ovf, vmdk
    std::string detail;
};

// Findings a check made beyond verify_detail::kMaxFindingsPerCheck: faults and warnings are
// counted, not listed; oks are dropped.
struct Unlisted {
    std::size_t faults = 0;
    std::size_t warnings = 0;
};

struct VerifyReport {
    std::filesystem::path path;
    std::vector<Finding> findings;
    std::map<std::string, Unlisted> unlisted;  // by check

    void ok(const std::string& check, std::string detail) {
        add(Outcome::ok, check, std::move(detail));
    }
    void warning(const std::string& check, std::string detail) {
        add(Outcome::warning, check, std::move(detail));
    }
    void fault(const std::string& check, std::string detail) {
        add(Outcome::fault, check, std::move(detail));
    }
    std::size_t faults() const;
    bool passed() const { return faults() == 0; }
    std::string format() const;
    nlohmann::json to_json() const;

private:
    void add(Outcome outcome, const std::string& check, std::string detail);
    std::map<std::string, std::size_t> listed_;  // by check
};

}  // namespace kiln::exporter
