#include "export/verify/ovf_check.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <string_view>

#include "export/ovf.hpp"
#include "export/vmdk_format.hpp"

namespace kiln::exporter::verify_detail {

namespace {

// Digits only, within 64 bits: from_chars reports the overflow that a digit loop would wrap.
std::optional<std::uint64_t> parse_u64(const char* text) {
    if (!text) return std::nullopt;
    std::string_view digits(text);
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

std::uint64_t allocation_multiplier(const std::string& units) {
    if (units.empty() || units == "byte") return 1;
    if (units == "byte * 2^10") return 1ULL << 10;
    if (units == "byte * 2^20") return 1ULL << 20;
    if (units == "byte * 2^30") return 1ULL << 30;
    if (units == "byte * 2^40") return 1ULL << 40;
    return 0;
}

// A Disk's capacity in bytes: ovf:capacity times its allocation units, up to
// vmdk::kMaxCapacityBytes. `too_large` when it is a number (of any length) beyond that.
struct DiskCapacity {
    std::optional<std::uint64_t> bytes;
    bool too_large = false;
};

DiskCapacity disk_capacity(const char* text, const char* units_text) {
    std::uint64_t units = allocation_multiplier(units_text ? units_text : "");
    std::string_view digits(text ? text : "");
    if (digits.empty() || units == 0 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return {};
    auto value = parse_u64(text);
    std::uint64_t bytes = 0;
    if (!value || __builtin_mul_overflow(*value, units, &bytes) || bytes > vmdk::kMaxCapacityBytes)
        return {std::nullopt, true};
    return {bytes};
}

// Local names, so that any namespace prefix works.
pugi::xml_node child(pugi::xml_node parent, const char* local) {
    for (pugi::xml_node n : parent.children()) {
        std::string name = n.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) return n;
    }
    return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node parent, const char* local) {
    std::vector<pugi::xml_node> out;
    for (pugi::xml_node n : parent.children()) {
        std::string name = n.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) out.push_back(n);
    }
    return out;
}

const char* attr(pugi::xml_node n, const char* local) {
    for (pugi::xml_attribute a : n.attributes()) {
        std::string name = a.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) return a.value();
    }
    return nullptr;
}

}  // namespace

OvfFacts check_ovf(const std::string& text, const std::string& name, VerifyReport& report) {
    OvfFacts facts;
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
    if (!parsed) {
        report.fault("ovf", name + " is not well-formed XML: " + std::string(parsed.description()) +
                                " at byte " + std::to_string(parsed.offset));
        return facts;
    }
    pugi::xml_node env = doc.document_element();
    if (std::string(env.name()).find("Envelope") == std::string::npos) {
        report.fault("ovf",
                     "the root element is <" + std::string(env.name()) + ">, not <Envelope>");
        return facts;
    }
    bool ovf1 = false;
    for (pugi::xml_attribute a : env.attributes())
        if (std::string(a.value()) == "http://schemas.dmtf.org/ovf/envelope/1") ovf1 = true;
    if (!ovf1) report.fault("ovf", "the envelope does not use the OVF 1.x namespace");

    std::map<std::string, std::string> file_ids;  // id -> href
    std::set<std::string> hrefs;
    for (pugi::xml_node f : children(child(env, "References"), "File")) {
        const char* href = attr(f, "href");
        const char* id = attr(f, "id");
        auto size = parse_u64(attr(f, "size"));
        if (!href || !id) {
            report.fault("ovf", "a References/File lacks ovf:href or ovf:id");
            continue;
        }
        // A second File of one name or id: which one a consumer takes is its own choice.
        if (!hrefs.insert(href).second) {
            report.fault("ovf", "References names '" + std::string(href) + "' twice");
            continue;
        }
        if (file_ids.count(id)) {
            report.fault("ovf", "References names the id '" + std::string(id) + "' twice");
            continue;
        }
        if (!size)
            report.fault("ovf", std::string("References/File ") + href + " has no exact ovf:size");
        file_ids[id] = href;
        facts.files.emplace_back(href, size.value_or(~0ULL));
    }
    if (facts.files.empty()) report.fault("ovf", "References lists no files");

    pugi::xml_node disks = child(env, "DiskSection");
    std::set<std::string> disk_ids;
    for (pugi::xml_node d : children(disks, "Disk")) {
        const char* id = attr(d, "diskId");
        const char* ref = attr(d, "fileRef");
        const char* format = attr(d, "format");
        const char* capacity_text = attr(d, "capacity");
        const char* units_text = attr(d, "capacityAllocationUnits");
        DiskCapacity capacity = disk_capacity(capacity_text, units_text);
        if (id && !disk_ids.insert(id).second) {
            report.fault("ovf", "DiskSection names the diskId '" + std::string(id) + "' twice");
            continue;
        }
        if (capacity.too_large) {
            report.fault("ovf", std::string("Disk ") + (id ? id : "?") + " ovf:capacity '" +
                                    capacity_text + "'" +
                                    (units_text ? " in units of '" + std::string(units_text) + "'"
                                                : std::string()) +
                                    " is more than 64 TiB");
            continue;
        }
        if (!ref && capacity.bytes) {
            ++facts.empty_disks;  // no file: the importer creates it empty
            continue;
        }
        if (!ref || !file_ids.count(ref)) {
            report.fault("ovf",
                         std::string("Disk ") + (id ? id : "?") + " refers to no References/File");
            continue;
        }
        if (!format || std::string(format) != kStreamOptimizedUri)
            report.fault("ovf",
                         std::string("Disk ") + (id ? id : "?") + " format is not streamOptimized");
        if (!capacity.bytes)
            report.fault("ovf",
                         std::string("Disk ") + (id ? id : "?") + " has no usable ovf:capacity");
        else
            facts.disk_capacity[file_ids[ref]] = *capacity.bytes;
    }
    if (disk_ids.empty()) report.fault("ovf", "DiskSection lists no disks");
    if (!child(env, "NetworkSection")) report.fault("ovf", "no NetworkSection");

    pugi::xml_node vs = child(env, "VirtualSystem");
    if (!vs) {
        report.fault("ovf", "no VirtualSystem");
        return facts;
    }
    pugi::xml_node os = child(vs, "OperatingSystemSection");
    if (!os || !attr(os, "osType"))
        report.fault("ovf", "OperatingSystemSection with vmw:osType is missing");
    pugi::xml_node hw = child(vs, "VirtualHardwareSection");
    if (!hw) {
        report.fault("ovf", "no VirtualHardwareSection");
        return facts;
    }
    const char* transport = attr(hw, "transport");
    if (!transport || std::string(transport).find("com.vmware.guestInfo") == std::string::npos)
        report.fault("ovf", "VirtualHardwareSection lacks ovf:transport=\"com.vmware.guestInfo\"");
    std::string system_type = child(child(hw, "System"), "VirtualSystemType").text().get();
    if (system_type.rfind("vmx-", 0) != 0)
        report.fault("ovf", "VirtualSystemType '" + system_type + "' is not vmx-N");
    int disks_attached = 0;
    for (pugi::xml_node item : children(hw, "Item")) {
        std::string type = child(item, "ResourceType").text().get();
        if (type != "17") continue;
        std::string host = child(item, "HostResource").text().get();
        std::string id = host.substr(host.rfind('/') + 1);
        if (!disk_ids.count(id))
            report.fault("ovf",
                         "a disk Item points at '" + host + "', which DiskSection does not define");
        ++disks_attached;
    }
    if (disks_attached == 0) report.fault("ovf", "no disk is attached in VirtualHardwareSection");
    int properties = 0, secrets = 0;
    for (pugi::xml_node product : children(vs, "ProductSection"))
        for (pugi::xml_node p : children(product, "Property")) {
            if (!attr(p, "key")) report.fault("ovf", "a Property lacks ovf:key");
            ++properties;
            if (const char* pw = attr(p, "password"); pw && std::string(pw) == "true") ++secrets;
        }
    report.ok("ovf", name + ": well-formed OVF 1.x, " + system_type + ", " +
                         std::to_string(facts.files.size()) + " file(s), " +
                         (facts.empty_disks ? std::to_string(facts.empty_disks) +
                                                  " empty disk(s) created at deploy, "
                                            : std::string()) +
                         std::to_string(properties) + " vApp properties (" +
                         std::to_string(secrets) + " secret)");
    return facts;
}

bool check_ovf_references(const std::vector<TarMember>& members, const OvaLayout& layout,
                          const OvfFacts& facts, VerifyReport& report) {
    bool order_ok = true;
    std::size_t expected = 1 + (layout.mf ? 1 : 0) + (layout.cert ? 1 : 0);
    for (std::size_t i = 0; i < facts.files.size(); ++i) {
        const auto& [href, size] = facts.files[i];
        const TarMember* member = find_member(members, href);
        if (!member) {
            report.fault("ovf", "References names '" + href + "', which the OVA does not contain");
            continue;
        }
        if (member->size != size)
            report.fault("ovf", "References says " + href + " has " + std::to_string(size) +
                                    " bytes, the member has " + std::to_string(member->size));
        if (static_cast<std::size_t>(member - members.data()) != expected + i) {
            report.fault("order", href +
                                      " is not in References order after the descriptor and "
                                      "manifest (" +
                                      layout.order + ")");
            order_ok = false;
        }
    }
    if (members.size() != expected + facts.files.size())
        report.warning("order",
                       "the OVA holds members the OVF does not reference (" + layout.order + ")");
    return order_ok;
}

}  // namespace kiln::exporter::verify_detail
