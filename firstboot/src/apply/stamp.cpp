#include "apply/stamp.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

namespace kiln::firstboot {

std::optional<Stamp> read_stamp(const RootDir& root) {
    auto text = root.read(kStampPath, kMaxStampBytes, "the stamp");
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    Stamp stamp;
    stamp.instance_id = json.value("instance_id", "");
    stamp.metadata_digest = json.value("metadata_digest", "");
    stamp.configured_at = json.value("configured_at", "");
    if (stamp.instance_id.empty()) return std::nullopt;
    if (auto m = json.find("member"); m != json.end() && m->is_object()) {
        MemberIdentity member{m->value("cluster", ""),
                              m->value("name", ""),
                              m->value("dcs", ""),
                              m->value("address", ""),
                              {},
                              m->value("tls", false)};
        if (auto peers = m->find("peers"); peers != m->end() && peers->is_array())
            for (const auto& p : *peers)
                if (p.is_object())
                    member.peers.push_back({p.value("name", ""), p.value("address", "")});
        if (!member.name.empty() && !member.address.empty()) stamp.member = std::move(member);
    }
    return stamp;
}

void write_stamp(const RootDir& root, const Stamp& stamp) {
    nlohmann::json json = {{"instance_id", stamp.instance_id},
                           {"metadata_digest", stamp.metadata_digest},
                           {"configured_at", stamp.configured_at}};
    if (const auto& m = stamp.member) {
        nlohmann::json peers = nlohmann::json::array();
        for (const auto& p : m->peers) peers.push_back({{"name", p.name}, {"address", p.address}});
        json["member"] = {{"cluster", m->cluster}, {"name", m->name}, {"dcs", m->dcs},
                          {"address", m->address}, {"peers", peers},  {"tls", m->tls}};
    }
    root.write_atomically(kStampPath, json.dump(2) + "\n", 0644);
}

void mark_configured(const RootDir& root) {
    root.write_atomically(kConfiguredPath, "", 0644);
}

void clear_configured(const RootDir& root) {
    root.remove(kConfiguredPath);
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
