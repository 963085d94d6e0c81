#include "bake/steps/image_base.hpp"

#include <guestfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "kiln/sha256.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

namespace {

nlohmann::json image_info(const fs::path& file) {
    ProcessResult r = run_checked({{"qemu-img", "info", "--output=json", file.string()}},
                                  "reading " + file.string(), StdoutTo::result);
    return nlohmann::json::parse(r.out);
}

void free_strings(char** list) {
    if (!list) return;
    for (char** i = list; *i; ++i) std::free(*i);
    std::free(list);
}

}  // namespace

ImageBase::ImageBase(Context& ctx, fs::path disk, fs::path download_dir)
    : ctx_(ctx), disk_(std::move(disk)), download_dir_(std::move(download_dir)) {}

void ImageBase::verify_sha256(const plan::ImportImage& image, const fs::path& file) {
    std::string actual = sha256_file_hex(file);
    std::string expected = image.sha256.value;
    std::transform(expected.begin(), expected.end(), expected.begin(), ::tolower);
    if (actual != expected)
        throw LocatedError(image.sha256.where, "base image sha256 mismatch: the profile expects " +
                                                   expected + " but " + file.string() + " has " +
                                                   actual + "; refusing to use it");
}

void ImageBase::import(const plan::ImportImage& image) {
    source_ = image.source;
    fs::path source;
    if (image.is_url) {
        fs::create_directories(download_dir_);
        source = download_dir_ / (image.sha256.value + ".img");
        if (!fs::exists(source)) {
            fs::path partial = download_dir_ / (".partial-" + image.sha256.value.substr(0, 16) +
                                                "-" + std::to_string(::getpid()));
            ProcessResult r =
                run({{"curl", "-fL", "--retry", "2", "-o", partial.string(), image.source.value}});
            if (!r.succeeded()) {
                fs::remove(partial);
                throw LocatedError(
                    image.source.where,
                    "cannot download the base image " + image.source.value + ": " + r.describe());
            }
            try {
                verify_sha256(image, partial);
            } catch (...) {
                fs::remove(partial);
                throw;
            }
            fs::rename(partial, source);
        }
        ctx_.note = "cached download " + source.filename().string();
    } else {
        source = image.path;
        if (!fs::is_regular_file(source))
            throw LocatedError(image.source.where, "base image '" + image.source.value +
                                                       "' not found (" + source.string() + ")");
        verify_sha256(image, source);
        ctx_.note = "sha256 verified";
    }
    std::string format = image.format.value;
    if (format.empty()) format = image_info(source).value("format", "raw");
    // A copy-on-write layer over the verified file: the base is never written.
    run_checked({{"qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b",
                  fs::absolute(source).string(), disk_.string()}},
                "layering the base image");
}

void ImageBase::resize(const plan::ResizeDisk& resize) {
    unsigned long long bytes = resize.size.value;
    auto info = image_info(disk_);
    unsigned long long current = info.value("virtual-size", 0ULL);
    if (bytes <= current) {
        ctx_.note = "already " + std::to_string(current >> 20) + " MiB";
        return;
    }
    run_checked(
        {{"qemu-img", "resize", "-q", "-f", "qcow2", disk_.string(), std::to_string(bytes)}},
        "growing the disk");
    grown_ = true;
}

void ImageBase::mount_and_grow(Appliance& a) {
    guestfs_h* g = a.handle();
    char** roots = guestfs_inspect_os(g);
    a.check(roots, "cannot inspect the base image");
    std::string root = roots[0] ? roots[0] : "";
    free_strings(roots);
    if (root.empty())
        throw LocatedError(source_.where,
                           "no operating system found in the base image '" + source_.value + "'");
    std::vector<std::pair<std::string, std::string>> mounts;  // mountpoint, device
    char** mp = guestfs_inspect_get_mountpoints(g, root.c_str());
    a.check(mp, "cannot read the base image's mount points");
    for (char** i = mp; i[0] && i[1]; i += 2) mounts.emplace_back(i[0], i[1]);
    free_strings(mp);
    std::sort(mounts.begin(), mounts.end(),
              [](const auto& x, const auto& y) { return x.first.size() < y.first.size(); });

    std::string root_device;
    for (const auto& [point, device] : mounts)
        if (point == "/") root_device = device;
    std::string fstype;
    if (char* t = guestfs_vfs_type(g, root_device.c_str())) {
        fstype = t;
        std::free(t);
    }
    if (grown_) {
        // Grow the root partition when it is the disk's last one (the cloud image layout).
        int partnum = guestfs_part_to_partnum(g, root_device.c_str());
        char* parent = partnum > 0 ? guestfs_part_to_dev(g, root_device.c_str()) : nullptr;
        guestfs_partition_list* parts = parent ? guestfs_part_list(g, parent) : nullptr;
        bool last = parts && parts->len > 0 && parts->val[parts->len - 1].part_num == partnum;
        if (last) {
            char* table = guestfs_part_get_parttype(g, parent);
            bool gpt = table && std::strcmp(table, "gpt") == 0;
            std::free(table);
            if (gpt)
                a.check(guestfs_part_expand_gpt(g, parent), "cannot move the GPT backup header");
            a.check(guestfs_part_resize(g, parent, partnum, gpt ? -34 : -1),
                    "cannot grow the root partition");
            if (fstype.starts_with("ext")) {
                a.check(guestfs_e2fsck(g, root_device.c_str(), GUESTFS_E2FSCK_FORCEALL, 1, -1),
                        "cannot check the root filesystem");
                a.check(guestfs_resize2fs(g, root_device.c_str()),
                        "cannot grow the root filesystem");
            }
        } else {
            ctx_.progress.warning(
                "the base image's root is not its last partition (or is on LVM): the disk grew "
                "but the root filesystem keeps its size");
        }
        if (parts) guestfs_free_partition_list(parts);
        std::free(parent);
    }
    for (const auto& [point, device] : mounts)
        a.check(guestfs_mount(g, device.c_str(), point.c_str()),
                "cannot mount " + device + " at " + point);
    if (grown_ && fstype == "xfs")
        a.check(guestfs_xfs_growfs(g, "/", -1), "cannot grow the root filesystem");
}

}  // namespace kiln::bake
