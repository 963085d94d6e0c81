#include "sources/fw_cfg.hpp"

#include "core/files.hpp"
#include "kiln/node_schema.hpp"
#include "sources/encodings.hpp"

namespace kiln::firstboot {

void read_fw_cfg(const std::filesystem::path& root, Collection& out) {
    const std::filesystem::path base = root / "sys/firmware/qemu_fw_cfg/by_name";
    const std::filesystem::path dir = base / node::kFwCfgPrefix;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return;
    const std::string document_name(node::kFwCfgDocument.substr(node::kFwCfgPrefix.size()));
    std::size_t found = 0;
    std::optional<std::string> document;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        std::string display = "fw_cfg " + std::string(node::kFwCfgPrefix) + name;
        std::size_t limit = name == document_name ? kMaxDecodedBytes : node::kMaxValueBytes;
        auto text = read_file_limited(entry.path() / "raw", limit);
        if (!text) continue;
        if (text->size() > limit) {
            out.report.error(Location{display},
                             "value is longer than " + std::to_string(limit) + " bytes");
            continue;
        }
        if (name == document_name) {
            document = std::move(*text);
            continue;
        }
        if (!node::find_key(name)) {
            auto hint = node::closest_key(name);
            out.report.error(Location{display},
                             "unknown node key '" + name + "'" +
                                 (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
            continue;
        }
        if (text->ends_with('\n')) text->pop_back();
        if (text->empty()) continue;
        ++found;
        out.metadata.add({name, std::move(*text), Transport::fw_cfg, Location{display}});
    }
    if (document) {
        add_document("fw_cfg " + std::string(node::kFwCfgDocument), *document, Transport::fw_cfg,
                     out);
        out.transports_found.push_back("fw_cfg " + std::string(node::kFwCfgDocument));
    }
    if (found) out.transports_found.push_back("fw_cfg keys (" + std::to_string(found) + ")");
}

}  // namespace kiln::firstboot
