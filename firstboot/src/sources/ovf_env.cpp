#include "sources/ovf_env.hpp"

#include <sys/mount.h>

#include <cstring>
#include <pugixml.hpp>

#include "core/files.hpp"
#include "kiln/node_schema.hpp"
#include "sources/encodings.hpp"

namespace kiln::firstboot {

namespace {

std::string_view local_name(const char* name) {
    std::string_view n(name);
    auto colon = n.find(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

Location locate(const std::string& display, const std::string& text, std::ptrdiff_t offset) {
    if (offset < 0) return Location{display};
    int line = 1, column = 1;
    for (std::ptrdiff_t i = 0; i < offset && i < static_cast<std::ptrdiff_t>(text.size()); ++i) {
        if (text[static_cast<std::size_t>(i)] == '\n')
            ++line, column = 1;
        else
            ++column;
    }
    return Location{display, line, column};
}

pugi::xml_attribute attribute(const pugi::xml_node& node, std::string_view name) {
    for (auto a : node.attributes())
        if (local_name(a.name()) == name) return a;
    return {};
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
    auto text = read_file_limited(path, kMaxDecodedBytes);
    if (!text || text->size() > kMaxDecodedBytes) return std::nullopt;
    return text;
}

}  // namespace

void read_ovf_environment(const std::string& display, const std::string& xml, Collection& out) {
    out.sources.add(display, xml);
    pugi::xml_document doc;
    auto parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
    if (!parsed) {
        out.report.error(
            locate(display, xml, parsed.offset),
            std::string("the OVF environment is not valid XML: ") + parsed.description());
        return;
    }
    auto environment = doc.document_element();
    if (local_name(environment.name()) != "Environment") {
        out.report.error(locate(display, xml, environment.offset_debug() - 1),
                         "the OVF environment's root element is <" +
                             std::string(environment.name()) + ">, not <Environment>");
        return;
    }
    std::size_t found = 0;
    for (auto section : environment.children()) {
        if (local_name(section.name()) != "PropertySection") continue;
        for (auto property : section.children()) {
            if (local_name(property.name()) != "Property") continue;
            std::string key = attribute(property, "key").value();
            std::string value = attribute(property, "value").value();
            Location where = locate(display, xml, property.offset_debug() - 1);  // at its '<'

            if (!key.starts_with(node::kOvfPropertyPrefix)) continue;  // another product's property
            std::string name = key.substr(node::kOvfPropertyPrefix.size());
            if (!node::find_key(name)) {
                auto hint = node::closest_key(name);
                out.report.error(where,
                                 "unknown node key '" + name + "' (OVF property '" + key + "')" +
                                     (hint ? " (did you mean '" + std::string(*hint) + "'?)" : ""));
                continue;
            }
            if (value.empty()) continue;
            ++found;
            out.metadata.add({name, value, Transport::ovf, where});
        }
    }
    if (found)
        out.transports_found.push_back(display + " (" + std::to_string(found) + " properties)");
}

std::optional<std::string> find_ovf_env_file(const std::filesystem::path& root, bool mount_cdrom,
                                             std::string& display) {
    for (const char* dir : {"media/cdrom", "media/cdrom0", "mnt/cdrom", "run/kiln/ovf-env"}) {
        auto path = root / dir / "ovf-env.xml";
        if (auto text = read_file(path)) {
            display = "/" + std::string(dir) + "/ovf-env.xml";
            return text;
        }
    }
    if (!mount_cdrom) return std::nullopt;
    std::filesystem::path device = root / "dev/sr0";
    std::error_code ec;
    if (!std::filesystem::exists(device, ec)) return std::nullopt;
    std::filesystem::path mountpoint = root / "run/kiln/cdrom";
    std::filesystem::create_directories(mountpoint, ec);
    if (mount(device.c_str(), mountpoint.c_str(), "iso9660",
              MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        return std::nullopt;
    auto text = read_file(mountpoint / "ovf-env.xml");
    if (!text) text = read_file(mountpoint / "OVF-ENV.XML");
    umount2(mountpoint.c_str(), MNT_DETACH);
    if (text) display = "ovf-env.xml (/dev/sr0)";
    return text;
}

}  // namespace kiln::firstboot
