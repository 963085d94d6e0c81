#include "kiln/node_document.hpp"
#include "kiln/node_schema.hpp"
#include "sources/collection.hpp"

namespace kiln::firstboot {

void add_document(const std::string& display, const std::string& text, Transport transport,
                  Collection& out) {
    auto document = node::read_document(display, text, out.sources, out.report);
    if (!document) return;
    for (auto& value : document->values)
        out.metadata.add({value.key, std::move(value.text), transport, value.where});
}

}  // namespace kiln::firstboot
