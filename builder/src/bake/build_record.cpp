#include "bake/build_record.hpp"

#include "kiln/version.hpp"

namespace kiln::bake {

namespace {

double rounded(double seconds) {
    return std::round(seconds * 100) / 100;
}

}  // namespace

nlohmann::json make_manifest(const ManifestInput& in) {
    nlohmann::json packages = nlohmann::json::array();
    for (const auto& p : in.packages) {
        nlohmann::json j{{"name", p.name}, {"version", p.version}, {"arch", p.arch}};
        if (!p.source.empty()) j["source"] = p.source;
        packages.push_back(std::move(j));
    }
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& o : in.outputs) {
        nlohmann::json j{{"format", o.format}, {"file", o.file}, {"status", o.status}};
        if (o.status == "written") j["sha256"] = o.sha256, j["bytes"] = o.bytes;
        if (!o.note.empty()) j["note"] = o.note;
        outputs.push_back(std::move(j));
    }
    nlohmann::json operations = nlohmann::json::array();
    for (const auto& r : in.progress->records())
        operations.push_back({{"stage", plan::to_string(r.op->stage)},
                              {"operation", r.op->name()},
                              {"digest", r.op->digest},
                              {"source", r.op->where.str()}});
    return {{"kiln_version", kVersion},
            {"profile",
             {{"name", in.profile->name.value},
              {"path", in.profile->display_path},
              {"digest", in.plan->profile_digest}}},
            {"package_layer_digest", in.plan->package_layer_digest},
            {"source_date_epoch", in.source_date_epoch},
            {"base", {{"kind", in.base_kind}, {"digest", in.base_digest}}},
            {"packages", packages},
            {"outputs", outputs},
            {"operations", operations}};
}

nlohmann::json make_build_report(const ManifestInput& in) {
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& [stage, seconds] : in.progress->stage_seconds())
        stages.push_back({{"stage", stage}, {"seconds", rounded(seconds)}});
    nlohmann::json operations = nlohmann::json::array();
    for (const auto& r : in.progress->records())
        operations.push_back({{"stage", plan::to_string(r.op->stage)},
                              {"operation", r.op->name()},
                              {"digest", r.op->digest},
                              {"status", to_string(r.status)},
                              {"seconds", rounded(r.seconds)}});
    return {{"kiln_version", kVersion},
            {"profile", in.profile->name.value},
            {"cache", {{"enabled", in.cache_enabled}, {"hit", in.cache_hit}}},
            {"accel", in.accel},
            {"stages", stages},
            {"operations", operations},
            {"seconds", rounded(in.seconds)}};
}

}  // namespace kiln::bake
