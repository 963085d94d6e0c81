#include "core/root_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/files.hpp"
#include "kiln/error.hpp"
#include "kiln/in_root.hpp"

namespace kiln::firstboot {

namespace fs = std::filesystem;

namespace {

// A last name that *at() calls can create, replace or remove.
bool is_entry_name(const std::string& name) {
    return !name.empty() && name != "." && name != "..";
}

bool same_file(int a, int b) {
    struct stat x {
    }, y{};
    return ::fstat(a, &x) == 0 && ::fstat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

}  // namespace

RootDir::RootDir(fs::path root)
    : path_(std::move(root)), fd_(::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
    if (!fd_) throw SystemError("cannot open the root " + path_.string(), errno);
}

std::string RootDir::describe(const fs::path& path) const {
    if (path_ == "/") return path.string();
    return (path_ / path.relative_path()).string();
}

UniqueFd RootDir::open(const fs::path& path, int flags, unsigned mode) const {
    return open_in_root(fd_.get(), path.string(), flags, mode);
}

bool RootDir::exists(const fs::path& path) const {
    return static_cast<bool>(open(path, O_PATH));
}

bool RootDir::is_directory(const fs::path& path) const {
    return static_cast<bool>(open(path, O_PATH | O_DIRECTORY));
}

std::optional<struct stat> RootDir::lstat(const fs::path& path) const {
    struct stat st {};
    std::string name = path.filename().string();
    if (!is_entry_name(name)) {
        UniqueFd fd = open(path, O_PATH);
        if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
        return st;
    }
    UniqueFd parent = open(path.parent_path(), O_PATH | O_DIRECTORY);
    if (!parent || ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return std::nullopt;
    return st;
}

std::vector<std::string> RootDir::list(const fs::path& folder) const {
    UniqueFd fd = open(folder, O_RDONLY | O_DIRECTORY);
    if (!fd) return {};
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd.get()), ::closedir);
    if (!dir) return {};
    fd.release();  // the DIR owns it now
    std::vector<std::string> names;
    while (auto* entry = ::readdir(dir.get())) {
        std::string name = entry->d_name;
        if (is_entry_name(name)) names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> RootDir::read(const fs::path& path, std::size_t limit,
                                         std::string_view what) const {
    auto opener = [&](int flags) { return open(path, flags); };
    return read_regular_file(opener, describe(path), limit, what);
}

UniqueFd RootDir::make_directories(const fs::path& path, LastLink last) const {
    std::vector<std::string> names;
    for (const auto& part : path.relative_path())
        if (!part.empty()) names.push_back(part.string());
    fs::path walked = "/";
    UniqueFd parent = open(walked, O_PATH | O_DIRECTORY);
    if (!parent) throw SystemError("cannot open " + describe(walked), errno);
    for (std::size_t i = 0; i < names.size(); ++i) {
        fs::path next = walked / names[i];
        if (!is_directory(next) && ::mkdirat(parent.get(), names[i].c_str(), 0755) != 0 &&
            errno != EEXIST)
            throw SystemError("cannot create " + describe(next), errno);
        walked = std::move(next);
        if (i + 1 == names.size()) break;
        parent = open(walked, O_PATH | O_DIRECTORY);
        if (!parent) throw SystemError("cannot open " + describe(walked), errno);
    }
    UniqueFd folder =
        open(walked, O_RDONLY | O_DIRECTORY | (last == LastLink::refuse ? O_NOFOLLOW : 0));
    if (!folder) {
        int error = errno;
        if (last == LastLink::refuse) check_real_folder(walked);
        throw SystemError("cannot open " + describe(walked), error);
    }
    return folder;
}

void RootDir::check_real_folder(const fs::path& path) const {
    auto st = lstat(path);
    if (st && S_ISLNK(st->st_mode))
        throw Error(describe(path) +
                    " is a symbolic link; kiln-firstboot sets the mode and owner of this folder "
                    "and writes into it, so it must be a real folder");
    if (st && !S_ISDIR(st->st_mode)) throw Error(describe(path) + " exists and is not a folder");
}

std::pair<UniqueFd, std::string> RootDir::parent_of(const fs::path& path) const {
    std::string name = path.filename().string();
    if (!is_entry_name(name)) throw Error("not a file name: " + describe(path));
    return {make_directories(path.parent_path()), name};
}

std::unique_ptr<AtomicFile> RootDir::atomic_file(const fs::path& path, unsigned mode) const {
    auto [folder, name] = parent_of(path);
    return std::make_unique<AtomicFile>(std::move(folder), name, describe(path), mode);
}

void RootDir::write_atomically(const fs::path& path, std::string_view content,
                               unsigned mode) const {
    auto file = atomic_file(path, mode);
    file->write(content);
    file->commit();
}

void RootDir::remove(const fs::path& path) const {
    std::string name = path.filename().string();
    if (!is_entry_name(name)) throw Error("not a file name: " + describe(path));
    UniqueFd parent = open(path.parent_path(), O_PATH | O_DIRECTORY);
    if (!parent) return;  // neither is the folder that would hold it
    if (::unlinkat(parent.get(), name.c_str(), 0) != 0 && errno != ENOENT)
        throw SystemError("cannot remove " + describe(path), errno);
}

void RootDir::check_tools_stay_inside(const fs::path& path) const {
    UniqueFd inside = open(path, O_PATH);
    int inside_error = errno;
    std::string prefixed = (path_ / path.relative_path()).string();
    UniqueFd outside(::open(prefixed.c_str(), O_PATH | O_CLOEXEC));
    if (!inside && !outside && inside_error == ENOENT) return;
    if (inside && outside && same_file(inside.get(), outside.get())) return;
    throw Error(prefixed + " leads out of the root " + path_.string() +
                " (a symbolic link in it): refusing to let a tool write there");
}

}  // namespace kiln::firstboot
