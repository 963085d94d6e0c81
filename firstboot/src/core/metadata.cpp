#include "core/metadata.hpp"

#include "kiln/sha256.hpp"

namespace kiln::firstboot {

std::map<std::string, const Value*> Metadata::merged() const {
    std::map<std::string, const Value*> out;
    for (const auto& value : all_) {
        auto [it, inserted] = out.emplace(value.key, &value);
        if (!inserted && value.transport < it->second->transport) it->second = &value;
    }
    return out;
}

const Value* Metadata::get(std::string_view key) const {
    const Value* best = nullptr;
    for (const auto& value : all_)
        if (value.key == key && (!best || value.transport < best->transport)) best = &value;
    return best;
}

std::string Metadata::digest() const {
    Sha256 hash;
    hash.field("kiln-node-metadata-v1");
    for (const auto& [key, value] : merged()) hash.field(key).field(value->text);
    return hash.hex_digest();
}

std::string describe(const Value& value) {
    return "'" + value.key + "' from " + to_string(value.transport);
}

}  // namespace kiln::firstboot
