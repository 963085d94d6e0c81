#pragma once

#include <guestfs.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Read-only look inside a built disk through libguestfs (TCG under the test environment):
// every assertion about an image is made on the image itself.
class ImageInspector {
public:
    explicit ImageInspector(const std::filesystem::path& disk, bool writable = false) {
        g_ = guestfs_create();
        guestfs_set_error_handler(g_, nullptr, nullptr);
        guestfs_set_smp(g_, 2);
        guestfs_add_drive_opts(g_, disk.c_str(), GUESTFS_ADD_DRIVE_OPTS_READONLY, writable ? 0 : 1,
                               -1);
        ok_ = guestfs_launch(g_) == 0;
        if (!ok_) return;
        char** roots = guestfs_inspect_os(g_);
        if (!roots || !roots[0]) {
            ok_ = false;
            return;
        }
        root_ = roots[0];
        char** mp = guestfs_inspect_get_mountpoints(g_, root_.c_str());
        std::vector<std::pair<std::string, std::string>> mounts;
        for (char** i = mp; i && i[0] && i[1]; i += 2) mounts.emplace_back(i[0], i[1]);
        std::sort(mounts.begin(), mounts.end(),
                  [](auto& a, auto& b) { return a.first.size() < b.first.size(); });
        for (auto& [point, dev] : mounts)
            ok_ = ok_ && (writable ? guestfs_mount(g_, dev.c_str(), point.c_str())
                                   : guestfs_mount_ro(g_, dev.c_str(), point.c_str())) == 0;
        free_list(mp);
        free_list(roots);
    }
    ~ImageInspector() {
        guestfs_shutdown(g_);
        guestfs_close(g_);
    }
    bool ok() const { return ok_; }
    std::string error() const {
        const char* e = guestfs_last_error(g_);
        return e ? e : "";
    }
    guestfs_h* handle() const { return g_; }
    const std::string& root_device() const { return root_; }

    bool exists(const std::string& p) const {
        return guestfs_exists(g_, p.c_str()) == 1 || is_symlink(p);
    }
    bool is_symlink(const std::string& p) const { return guestfs_is_symlink(g_, p.c_str()) == 1; }
    std::optional<std::string> read(const std::string& p) const {
        size_t size = 0;
        char* data = guestfs_read_file(g_, p.c_str(), &size);
        if (!data) return std::nullopt;
        std::string out(data, size);
        std::free(data);
        return out;
    }
    std::string link(const std::string& p) const {
        char* t = guestfs_readlink(g_, p.c_str());
        std::string out = t ? t : "";
        std::free(t);
        return out;
    }
    struct Stat {
        long mode = -1, uid = -1, gid = -1, size = -1;
    };
    Stat stat(const std::string& p) const {
        Stat s;
        if (auto* st = guestfs_lstatns(g_, p.c_str())) {
            s = {st->st_mode & 07777, st->st_uid, st->st_gid, st->st_size};
            guestfs_free_statns(st);
        }
        return s;
    }
    // An extended attribute's value ("" when absent), without a trailing NUL.
    std::string xattr(const std::string& p, const std::string& name) const {
        std::size_t size = 0;
        char* v = guestfs_lgetxattr(g_, p.c_str(), name.c_str(), &size);
        std::string out = v ? std::string(v, size) : "";
        std::free(v);
        if (!out.empty() && out.back() == '\0') out.pop_back();
        return out;
    }
    std::vector<std::string> ls(const std::string& dir) const {
        std::vector<std::string> out;
        char** names = guestfs_ls(g_, dir.c_str());
        for (char** n = names; n && *n; ++n) out.emplace_back(*n);
        free_list(names);
        return out;
    }
    std::string fs_uuid() const {
        char* u = guestfs_vfs_uuid(g_, root_.c_str());
        std::string out = u ? u : "";
        std::free(u);
        return out;
    }

private:
    static void free_list(char** l) {
        for (char** i = l; l && *i; ++i) std::free(*i);
        std::free(l);
    }
    guestfs_h* g_;
    bool ok_ = false;
    std::string root_;
};
