#include "sources/ovf_env.hpp"

#include <sys/mount.h>

#include <cstring>
#include <pugixml.hpp>
#include <sstream>

#include "kiln/error.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/quoted_key.hpp"
#include "sources/encodings.hpp"

namespace kiln::firstboot {

namespace {

std::string_view local_name(const char* name) {
    std::string_view n(name);
    auto colon = n.find(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_attribute attribute(const pugi::xml_node& node, std::string_view name) {
    for (auto a : node.attributes())
        if (local_name(a.name()) == name) return a;
    return {};
}

}  // namespace

void read_ovf_environment(const std::string& display, const std::string& xml, Collection& out) {
    out.sources.add(display, xml);
    pugi::xml_document doc;
    auto parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
    if (!parsed) {
        out.report.error(
            location_of(display, xml, parsed.offset),
            std::string("the OVF environment is not valid XML: ") + parsed.description());
        return;
    }
    auto environment = doc.document_element();
    if (local_name(environment.name()) != "Environment") {
        out.report.error(location_of(display, xml, environment.offset_debug() - 1),
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
            Location where = location_of(display, xml, property.offset_debug() - 1);  // at its '<'

            if (!key.starts_with(node::kOvfPropertyPrefix)) continue;  // another product's property
            std::string name = key.substr(node::kOvfPropertyPrefix.size());
            if (!node::find_key(name)) {
                auto hint = node::closest_key(name);
                out.report.error(where,
                                 "unknown node key " + quoted_key(name) + " (OVF property " +
                                     quoted_key(key) + ")" +
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

std::optional<std::string> without_secret_properties(const std::string& xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype))
        return std::nullopt;
    std::vector<pugi::xml_node> secret;
    for (auto section : doc.document_element().children()) {
        if (local_name(section.name()) != "PropertySection") continue;
        for (auto property : section.children()) {
            if (local_name(property.name()) != "Property") continue;
            std::string_view key = attribute(property, "key").value();
            if (!key.starts_with(node::kOvfPropertyPrefix)) continue;
            const auto* spec = node::find_key(key.substr(node::kOvfPropertyPrefix.size()));
            if (spec && spec->is_secret()) secret.push_back(property);
        }
    }
    if (secret.empty()) return std::nullopt;
    for (auto& property : secret) property.parent().remove_child(property);
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

std::optional<std::string> find_ovf_env_file(const RootDir& root, bool mount_cdrom,
                                             std::string& display) {
    for (const char* dir : {"/media/cdrom", "/media/cdrom0", "/mnt/cdrom", "/run/kiln/ovf-env"}) {
        display = std::string(dir) + "/ovf-env.xml";
        if (auto text = root.read(display, kMaxDecodedBytes, "an OVF environment")) return text;
    }
    if (!mount_cdrom || !root.exists("/dev/sr0")) return std::nullopt;
    const std::filesystem::path mountpoint = "/run/kiln/cdrom";
    root.make_directories(mountpoint);
    // Only on this system's own root (RunMode::may_mount_cdrom): its paths are the machine's.
    std::string device = root.describe("/dev/sr0"), at = root.describe(mountpoint);
    if (mount(device.c_str(), at.c_str(), "iso9660", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) != 0)
        return std::nullopt;
    display = "ovf-env.xml (/dev/sr0)";
    std::optional<std::string> text;
    try {
        text = root.read(mountpoint / "ovf-env.xml", kMaxDecodedBytes, "an OVF environment");
        if (!text)
            text = root.read(mountpoint / "OVF-ENV.XML", kMaxDecodedBytes, "an OVF environment");
    } catch (const Error&) {
        umount2(at.c_str(), MNT_DETACH);
        throw;
    }
    umount2(at.c_str(), MNT_DETACH);
    return text;
}

}  // namespace kiln::firstboot
