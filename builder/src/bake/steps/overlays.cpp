#include "bake/steps/overlays.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "bake/guest/accounts.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;
using plan::CopyOverlay;
using profile::OverlayKind;

namespace {

std::string read_host_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SystemError("cannot read " + path.string(), errno);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

unsigned normalised_mode(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw SystemError("cannot stat " + path.string(), errno);
    return (st.st_mode & 0111) ? 0755 : 0644;
}

unsigned parse_mode(const std::string& text) {
    return static_cast<unsigned>(std::stoul(text, nullptr, 8));
}

}  // namespace

void apply_overlay(Context& ctx, const CopyOverlay& o) {
    Root& root = *ctx.root;
    if (!fs::exists(o.content.path))
        throw LocatedError(o.source.where, "overlay source '" + o.source.value + "' not found (" +
                                               o.content.path.string() + ")");
    Accounts accounts = read_accounts(root);
    auto user = accounts.user(o.owner.value);
    if (!user)
        throw LocatedError(o.owner.where, "user '" + o.owner.value +
                                              "' does not exist in the image (its /etc/passwd)");
    auto group = accounts.group(o.group.value);
    if (!group)
        throw LocatedError(o.group.where, "group '" + o.group.value +
                                              "' does not exist in the image (its /etc/group)");
    unsigned uid = user->uid, gid = group->gid;
    std::optional<unsigned> mode;
    if (o.mode) mode = parse_mode(o.mode->value);

    if (o.kind == OverlayKind::file) {
        std::string dest = o.destination.value;
        if (dest.ends_with("/") || root.is_directory(dest))
            dest = guest_join(dest, o.content.path.filename().string());
        std::string parent = fs::path(dest).parent_path().string();
        root.make_directory(parent, 0755, uid, gid);
        root.write_file(dest, read_host_file(o.content.path),
                        mode.value_or(normalised_mode(o.content.path)), uid, gid);
        ctx.note = "1 file";
        return;
    }

    std::vector<fs::path> entries;
    for (const auto& entry : fs::recursive_directory_iterator(o.content.path))
        entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    root.make_directory(o.destination.value, 0755, uid, gid);
    std::size_t files = 0;
    for (const auto& entry : entries) {
        std::string dest =
            guest_join(o.destination.value, entry.lexically_relative(o.content.path).string());
        auto status = fs::symlink_status(entry);
        if (fs::is_symlink(status)) {
            root.symlink(fs::read_symlink(entry).string(), dest);
        } else if (fs::is_directory(status)) {
            root.make_directory(dest, 0755, uid, gid);
        } else if (fs::is_regular_file(status)) {
            root.write_file(dest, read_host_file(entry), mode.value_or(normalised_mode(entry)), uid,
                            gid);
            ++files;
        } else {
            throw LocatedError(o.source.where, "overlay entry " + entry.string() +
                                                   " is not a file, folder or symlink");
        }
    }
    ctx.note = std::to_string(files) + " files";
}

}  // namespace kiln::bake
