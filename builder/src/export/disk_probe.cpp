#include "export/disk_probe.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kiln/error.hpp"
#include "kiln/printable.hpp"
#include "kiln/process.hpp"

namespace kiln::exporter {

namespace {

std::string in_quotes(const std::string& name) {
    return "'" + printable(name) + "'";
}

// The files other than `file` that QEMU reads for this disk: a backing file (any format that
// has one), a qcow2 external data file, VMDK extents in other files.
std::vector<std::string> external_files(const nlohmann::json& info, const std::string& file) {
    std::vector<std::string> found;
    if (auto backing = info.find("backing-filename"); backing != info.end())
        found.push_back("backing file " + in_quotes(backing->get<std::string>()));
    auto specific = info.find("format-specific");
    if (specific == info.end()) return found;
    auto data = specific->find("data");
    if (data == specific->end()) return found;
    if (auto data_file = data->find("data-file"); data_file != data->end())
        found.push_back("data file " + in_quotes(data_file->get<std::string>()));
    if (auto extents = data->find("extents"); extents != data->end())
        for (const auto& extent : *extents) {
            std::string name = extent.value("filename", file);
            if (name != file) found.push_back("extent " + in_quotes(name));
        }
    return found;
}

}  // namespace

std::string qemu_file_name(const std::filesystem::path& path) {
    return std::filesystem::absolute(path).string();
}

std::string format_from_name(const std::filesystem::path& path) {
    static const std::pair<const char*, const char*> by_extension[] = {
        {".raw", "raw"},   {".qcow2", "qcow2"}, {".vmdk", "vmdk"}, {".vdi", "vdi"},
        {".vhdx", "vhdx"}, {".vhd", "vpc"},     {".qed", "qed"}};
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [suffix, format] : by_extension)
        if (extension == suffix) return format;
    return {};
}

bool is_vmdk_descriptor_file(const std::filesystem::path& path) {
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    if (!in.read(magic, sizeof magic)) return false;  // too short for either: QEMU will say so
    // A sparse extent starts with "KDMV" (VMDK 4) or "COWD" (VMDK 3); a descriptor with text.
    return std::memcmp(magic, "KDMV", 4) != 0 && std::memcmp(magic, "COWD", 4) != 0;
}

ImageInfo probe(const std::filesystem::path& path, const std::string& format) {
    const std::string file = qemu_file_name(path);
    ProcessSpec spec{{"qemu-img", "info", "--output=json"}};
    if (!format.empty()) spec.argv.insert(spec.argv.end(), {"-f", format});
    spec.argv.push_back(file);
    spec.timeout = kProbeTimeout;
    ProcessResult r = run_process(spec);
    if (!r.succeeded())
        throw InvalidInput("cannot read disk " + path.string() +
                           (format.empty() ? "" : " as " + format) + ": " + r.describe());
    try {
        auto info = nlohmann::json::parse(r.out);
        ImageInfo out{info.at("format").get<std::string>(),
                      info.at("virtual-size").get<std::uint64_t>(), external_files(info, file),
                      info.value("encrypted", false)};
        auto specific = info.find("format-specific");
        if (specific != info.end() && specific->contains("data") &&
            specific->at("data").value("corrupt", false))
            throw InvalidInput("disk " + path.string() +
                               " is marked corrupt by QEMU (run qemu-img check -r)");
        return out;
    } catch (const nlohmann::json::exception& e) {
        throw Error("cannot understand qemu-img info for " + path.string() + ": " + e.what());
    }
}

void check_consistency(const std::filesystem::path& path, const std::string& format) {
    static const char* const checkable[] = {"qcow2", "qed", "vdi", "vhdx", "vmdk", "parallels"};
    if (std::find(std::begin(checkable), std::end(checkable), format) == std::end(checkable))
        return;
    ProcessResult r =
        run_process({{"qemu-img", "check", "--output=json", "-f", format, qemu_file_name(path)}});
    if (r.exited_with(0) || r.exited_with(3)) return;  // clean, or only leaked clusters
    std::string detail = r.describe();
    try {
        auto report = nlohmann::json::parse(r.out);
        std::size_t corruptions =
            report.value("corruptions", 0u) + report.value("check-errors", 0u);
        if (corruptions) detail = std::to_string(corruptions) + " errors found by qemu-img check";
    } catch (const nlohmann::json::exception&) {
    }
    throw InvalidInput("disk " + path.string() + " is damaged: " + detail);
}

std::optional<std::vector<Mapped>> map_clusters(const std::filesystem::path& path) {
    ProcessResult r =
        run_process({{"qemu-img", "map", "--output=json", "-f", "qcow2", qemu_file_name(path)}});
    if (!r.succeeded()) return std::nullopt;
    std::vector<Mapped> map;
    try {
        for (const auto& e : nlohmann::json::parse(r.out)) {
            bool data = e.value("data", false), zero = e.value("zero", false);
            if (e.value("depth", 0) != 0) return std::nullopt;
            if (!data && zero) continue;
            if (!data || zero || !e.contains("offset")) return std::nullopt;
            Mapped m{e.at("start").get<std::uint64_t>(), e.at("length").get<std::uint64_t>(),
                     e.at("offset").get<std::uint64_t>()};
            if (!map.empty() && map.back().guest + map.back().length == m.guest &&
                map.back().host + map.back().length == m.host)
                map.back().length += m.length;
            else
                map.push_back(m);
        }
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
    return map;
}

}  // namespace kiln::exporter
