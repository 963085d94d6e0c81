#pragma once

#include <array>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"

// What kiln verify found: one finding per check and fault, printed or as JSON.
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

struct VerifyReport {
    std::filesystem::path path;
    std::vector<Finding> findings;

    void ok(const std::string& check, std::string detail) {
        findings.push_back({Outcome::ok, check, std::move(detail)});
    }
    void warning(const std::string& check, std::string detail) {
        findings.push_back({Outcome::warning, check, std::move(detail)});
    }
    void fault(const std::string& check, std::string detail) {
        findings.push_back({Outcome::fault, check, std::move(detail)});
    }
    std::size_t faults() const;
    bool passed() const { return faults() == 0; }
    std::string format() const;
    nlohmann::json to_json() const;
};

}  // namespace kiln::exporter
