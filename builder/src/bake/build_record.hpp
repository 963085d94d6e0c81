#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bake/steps/packages.hpp"
#include "bake/progress.hpp"

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
};

// NAME.manifest.json: what was built from what, with what inside, and how long each stage took.
nlohmann::json make_manifest(const ManifestInput& in);

}  // namespace kiln::bake
