#include "apply/stamp.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "kiln/atomic_file.hpp"

namespace kiln::firstboot {

std::optional<Stamp> read_stamp(const std::filesystem::path& root) {
    auto text = read_file_limited(under_root(root, kStampPath), 64 * 1024);
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    Stamp stamp;
    stamp.instance_id = json.value("instance_id", "");
    stamp.metadata_digest = json.value("metadata_digest", "");
    stamp.configured_at = json.value("configured_at", "");
    if (stamp.instance_id.empty()) return std::nullopt;
    return stamp;
}

void write_stamp(const std::filesystem::path& root, const Stamp& stamp) {
    auto path = under_root(root, kStampPath);
    std::filesystem::create_directories(path.parent_path());
    nlohmann::json json = {{"instance_id", stamp.instance_id},
                           {"metadata_digest", stamp.metadata_digest},
                           {"configured_at", stamp.configured_at}};
    write_file_atomically(path, json.dump(2) + "\n", 0644);
}

void mark_configured(const std::filesystem::path& root) {
    auto path = under_root(root, kConfiguredPath);
    std::filesystem::create_directories(path.parent_path());
    write_file_atomically(path, "", 0644);
}

void clear_configured(const std::filesystem::path& root) {
    std::error_code ec;
    std::filesystem::remove(under_root(root, kConfiguredPath), ec);
}

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

}  // namespace kiln::firstboot
