#include "sources/collect.hpp"

#include "core/files.hpp"
#include "kiln/node_schema.hpp"
#include "sources/encodings.hpp"
#include "sources/fw_cfg.hpp"
#include "sources/guestinfo_keys.hpp"
#include "sources/ovf_env.hpp"

namespace kiln::firstboot {

namespace {

void read_image_config(const std::filesystem::path& root, Collection& out) {
    std::filesystem::path path =
        root / std::filesystem::path(image::kImageConfigPath).relative_path();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        out.image.services = {"etcd.service", "patroni.service", "haproxy.service",
                              "keepalived.service"};
        out.report.warning(Location{std::string(image::kImageConfigPath)},
                           "no image configuration; using built-in defaults (Debian, etcd)");
        return;
    }
    if (auto config = image::load_image_config(std::string(image::kImageConfigPath), path,
                                               out.sources, out.report))
        out.image = std::move(*config);
    for (const auto& [key, text] : out.image.defaults)
        out.metadata.add({key, text, Transport::defaults, out.image.default_where[key]});
}

}  // namespace

Collection collect(const CollectOptions& options, GuestInfo* guestinfo) {
    Collection out;
    read_image_config(options.root, out);
    if (guestinfo) {
        read_guestinfo_keys(*guestinfo, out);
        read_cloud_init_metadata(*guestinfo, out);
    }
    bool have_ovf_env = false;
    if (guestinfo) {
        if (auto xml = guestinfo->get("guestinfo.ovfEnv"); xml && !xml->empty()) {
            read_ovf_environment("guestinfo.ovfEnv", *xml, out);
            have_ovf_env = true;
        }
    }
    if (options.ovf_env_file) {
        auto xml = read_file_limited(*options.ovf_env_file, kMaxDecodedBytes);
        if (!xml || xml->size() > kMaxDecodedBytes)
            out.report.error(Location{options.ovf_env_file->string()},
                             "cannot read the OVF environment file");
        else
            read_ovf_environment(options.ovf_env_file->string(), *xml, out);
    } else if (!have_ovf_env) {
        std::string display;
        if (auto xml = find_ovf_env_file(options.root, options.mount_cdrom, display))
            read_ovf_environment(display, *xml, out);
    }
    read_fw_cfg(options.root, out);
    if (options.metadata_file) {
        std::string display = options.metadata_file->string();
        auto text = read_file_limited(*options.metadata_file, kMaxDecodedBytes);
        if (!text)
            out.report.error(Location{display}, "cannot read the metadata file");
        else if (text->size() > kMaxDecodedBytes)
            out.report.error(Location{display}, "the metadata file is larger than " +
                                                    std::to_string(kMaxDecodedBytes) + " bytes");
        else {
            add_document(display, *text, Transport::file, out);
            out.transports_found.push_back("metadata file " + display);
        }
    }
    return out;
}

}  // namespace kiln::firstboot
