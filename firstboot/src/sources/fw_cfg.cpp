#include "sources/fw_cfg.hpp"

#include "kiln/error.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/quoted_key.hpp"
#include "sources/encodings.hpp"

namespace kiln::firstboot {

void read_fw_cfg(const RootDir& root, Collection& out) {
    const std::filesystem::path dir =
        std::filesystem::path("/sys/firmware/qemu_fw_cfg/by_name") / node::kFwCfgPrefix;
    if (!root.is_directory(dir)) return;
    const std::string document_name(node::kFwCfgDocument.substr(node::kFwCfgPrefix.size()));
    std::size_t found = 0;
    std::optional<std::string> document;
    for (const auto& name : root.list(dir)) {
        std::string display =
            "fw_cfg " + std::string(node::kFwCfgPrefix) + (is_plain_key(name) ? name : "");
        bool is_document = name == document_name;
        if (!is_document && !node::find_key(name)) {
            auto hint = node::closest_key(name);
            out.report.error(Location{display},
                             "unknown node key " + quoted_key(name) +
                                 (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
            continue;
        }
        std::optional<std::string> text;
        try {
            text =
                root.read(dir / name / "raw", is_document ? kMaxDecodedBytes : node::kMaxValueBytes,
                          is_document ? "a metadata document" : "one node value");
        } catch (const Error& e) {
            out.report.error(Location{display}, e.what());
            continue;
        }
        if (!text) continue;
        if (is_document) {
            document = std::move(*text);
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
