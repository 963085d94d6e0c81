#include "sources/collect.hpp"

#include "core/files.hpp"
#include "kiln/error.hpp"
#include "kiln/grammar.hpp"
#include "kiln/node_schema.hpp"
#include "kiln/utf8.hpp"
#include "sources/encodings.hpp"
#include "sources/fw_cfg.hpp"
#include "sources/guestinfo_keys.hpp"
#include "sources/ovf_env.hpp"

namespace kiln::firstboot {

namespace {

void read_image_config(const RootDir& root, Collection& out) {
    if (!root.exists(image::kImageConfigPath)) {
        out.image.services = {"etcd.service", "patroni.service", "haproxy.service",
                              "keepalived.service"};
        out.report.warning(Location{std::string(image::kImageConfigPath)},
                           "no image configuration; using built-in defaults (Debian, etcd)");
        return;
    }
    if (auto config = read_image_config(root, out.sources, out.report))
        out.image = std::move(*config);
    for (const auto& [key, text] : out.image.defaults)
        out.metadata.add({key, text, Transport::defaults, out.image.default_where[key]});
}

// A file named on the command line (--metadata, --ovf-env); problems go to the report.
std::optional<std::string> read_named_file(const std::filesystem::path& path, std::string_view what,
                                           Report& report) {
    try {
        auto text = read_regular_file(path, kMaxDecodedBytes, what);
        if (!text)
            report.error(Location{path.string()},
                         "cannot read " + std::string(what) + ": no such file");
        return text;
    } catch (const Error& e) {
        report.error(Location{path.string()}, e.what());
        return std::nullopt;
    }
}

}  // namespace

std::optional<image::ImageConfig> read_image_config(const RootDir& root, SourceFiles& sources,
                                                    Report& report) {
    const std::string display(image::kImageConfigPath);
    std::optional<std::string> text;
    try {
        text = root.read(image::kImageConfigPath, kMaxImageConfigBytes, "the image configuration");
    } catch (const Error& e) {
        report.error(Location{display}, e.what());
        return std::nullopt;
    }
    if (!text) {
        report.error(Location{display}, "cannot read the image configuration: no such file");
        return std::nullopt;
    }
    if (auto bad = utf8::first_invalid(*text)) {
        report.error(location_of(display, *text, *bad),
                     "the image configuration is not UTF-8 text (an invalid byte here)");
        return std::nullopt;
    }
    return image::parse_image_config(display, *text, sources, report);
}

Collection collect(const RootDir& root, const CollectOptions& options, GuestInfo* guestinfo) {
    Collection out;
    read_image_config(root, out);
    if (guestinfo) {
        read_guestinfo_keys(*guestinfo, out);
        read_cloud_init_metadata(*guestinfo, out);
    }
    bool have_ovf_env = false;
    if (guestinfo) {
        if (auto xml = guestinfo->get("guestinfo.ovfEnv"); xml && !xml->empty()) {
            read_ovf_environment("guestinfo.ovfEnv", *xml, out);
            out.ovf_env_without_secrets = without_secret_properties(*xml);
            have_ovf_env = true;
        }
    }
    if (options.ovf_env_file) {
        if (auto xml =
                read_named_file(*options.ovf_env_file, "the OVF environment file", out.report))
            read_ovf_environment(options.ovf_env_file->string(), *xml, out);
    } else if (!have_ovf_env) {
        std::string display;
        try {
            if (auto xml = find_ovf_env_file(root, options.mount_cdrom, display))
                read_ovf_environment(display, *xml, out);
        } catch (const Error& e) {
            out.report.error(Location{display}, e.what());
        }
    }
    read_fw_cfg(root, out);
    if (options.metadata_file) {
        std::string display = options.metadata_file->string();
        if (auto text = read_named_file(*options.metadata_file, "the metadata file", out.report)) {
            add_document(display, *text, Transport::file, out);
            out.transports_found.push_back("metadata file " + display);
        }
    }
    return out;
}

}  // namespace kiln::firstboot
