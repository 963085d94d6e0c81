#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bake/progress.hpp"
#include "bake/steps/packages.hpp"

namespace kiln::bake {

struct OutputRecord {
    std::string format;
    std::string file;
    std::string status;  // "written" or "skipped"
    std::string sha256;
    unsigned long long bytes = 0;
    std::string note;
};

struct ManifestInput {
    const profile::Profile* profile = nullptr;
    const plan::Plan* plan = nullptr;
    std::string base_kind;    // debootstrap, dnf, yum, image
    std::string base_digest;  // bootstrap: its operation digest; image: the file's sha256
    bool cache_enabled = false;
    bool cache_hit = false;
    std::string accel;
    std::vector<InstalledPackage> packages;
    std::vector<OutputRecord> outputs;
    const Progress* progress = nullptr;
    double seconds = 0;
    std::int64_t source_date_epoch = 0;
};

// NAME.manifest.json: what was built from what (the profile, its digests, the base, the
// SOURCE_DATE_EPOCH), with what inside, and each operation: the same bytes for two builds of one
// profile from the same packages.
nlohmann::json make_manifest(const ManifestInput& in);

// NAME.build.json: how this run went, which differs between runs: the cache, the accelerator,
// each stage's and operation's seconds and status (done, cached, skipped).
nlohmann::json make_build_report(const ManifestInput& in);

}  // namespace kiln::bake
