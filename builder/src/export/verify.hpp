#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"

// `kiln verify`: checks an OVA the way its consumers will read it, and reports every fault.
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

// An OVA: USTAR structure, member order, manifest digests, signature, OVF references and
// sizes, and every VMDK's structure.
VerifyReport verify_ova(const std::filesystem::path& path);

// A streamOptimized VMDK on its own.
VerifyReport verify_vmdk(const std::filesystem::path& path);

// The structure of a streamOptimized VMDK stored at [offset, offset + size) of `fd`: header,
// descriptor, footer, end-of-stream marker, grain directory and tables, and every grain
// (its marker, its LBA, and that it inflates to a whole grain). Findings go to `report`.
struct VmdkFacts {
    std::uint64_t capacity = 0;  // bytes
    std::uint64_t grains = 0;
};
VmdkFacts check_stream_vmdk(int fd, std::uint64_t offset, std::uint64_t size,
                            const std::string& name, VerifyReport& report);

}  // namespace kiln::exporter
