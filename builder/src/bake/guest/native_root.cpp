#include "bake/guest/native_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <random>

#include "kiln/error.hpp"
#include "kiln/in_root.hpp"

namespace kiln::bake {

namespace {

std::string relative(const std::string& path) {
    std::size_t start = path.find_first_not_of('/');
    std::string rel = start == std::string::npos ? "" : path.substr(start);
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    return rel.empty() ? "." : rel;
}

// The names in an open folder (without . and ..); nullopt, errno set, when it cannot be read.
std::optional<std::vector<std::string>> entry_names(int folder) {
    UniqueFd copy(::fcntl(folder, F_DUPFD_CLOEXEC, 0));  // fdopendir takes the one it gets
    if (!copy) return std::nullopt;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(copy.get()), ::closedir);
    if (!dir) return std::nullopt;
    copy.release();
    std::vector<std::string> names;
    while (auto* entry = ::readdir(dir.get())) {
        std::string n = entry->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    return names;
}

void remove_at(int dirfd, const std::string& name) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return;
        throw SystemError("cannot stat " + name, errno);
    }
    if (S_ISDIR(st.st_mode)) {
        UniqueFd folder(
            ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!folder) throw SystemError("cannot open " + name, errno);
        auto names = entry_names(folder.get());
        if (!names) throw SystemError("cannot read " + name, errno);
        for (const auto& n : *names) remove_at(folder.get(), n);
        folder.reset();
        if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
            throw SystemError("cannot remove " + name, errno);
    } else if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
        throw SystemError("cannot remove " + name, errno);
    }
}

}  // namespace

NativeRoot::NativeRoot(std::filesystem::path directory)
    : directory_(std::move(directory)),
      root_fd_(::open(directory_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
    if (!root_fd_) throw SystemError("cannot open " + directory_.string(), errno);
}

UniqueFd NativeRoot::open_inside(const std::string& path, int flags, unsigned mode) const {
    return open_in_root(root_fd_.get(), path, flags, mode);
}

std::pair<UniqueFd, std::string> NativeRoot::open_parent(const std::string& path) const {
    std::string rel = relative(path);
    if (rel == ".") throw Error("cannot replace the root folder of " + describe());
    std::size_t slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "." : rel.substr(0, slash);
    std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    if (name == "." || name == "..") throw Error("invalid guest path " + path);
    UniqueFd fd = open_inside(parent, O_PATH | O_DIRECTORY);
    if (!fd) throw SystemError("cannot open " + parent + " in " + describe(), errno);
    return {std::move(fd), name};
}

std::pair<UniqueFd, std::string> NativeRoot::open_parent_folder(const std::string& path) const {
    auto [parent, name] = open_parent(path);
    // O_PATH descriptors cannot be used with openat for creation; reopen the folder.
    UniqueFd folder(::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!folder) throw SystemError("cannot open the folder of " + path, errno);
    return {std::move(folder), name};
}

std::optional<struct stat> NativeRoot::lstat_inside(const std::string& path) const {
    UniqueFd parent;
    std::string name;
    try {
        std::tie(parent, name) = open_parent(path);
    } catch (const Error&) {
        return std::nullopt;
    }
    struct stat st {};
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
    return st;
}

bool NativeRoot::exists(const std::string& path) {
    return relative(path) == "." || lstat_inside(path).has_value();
}

bool NativeRoot::is_symlink(const std::string& path) {
    if (relative(path) == ".") return false;
    auto st = lstat_inside(path);
    return st && S_ISLNK(st->st_mode);
}

bool NativeRoot::is_directory(const std::string& path) {
    return static_cast<bool>(open_inside(path, O_PATH | O_DIRECTORY));
}

std::optional<std::string> NativeRoot::read_file(const std::string& path) {
    UniqueFd fd = open_inside(path, O_RDONLY);
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw SystemError("cannot read " + path + " in " + describe(), errno);
    }
    std::string out;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError("cannot read " + path + " in " + describe(), errno);
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

void NativeRoot::write_file(const std::string& path, const std::string& content, unsigned mode,
                            unsigned uid, unsigned gid) {
    auto [dir, name] = open_parent_folder(path);
    static thread_local std::mt19937_64 engine{std::random_device{}()};
    std::string temp = ".kiln-" + std::to_string(engine() % 1000000000) + ".tmp";
    UniqueFd fd(::openat(dir.get(), temp.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw SystemError("cannot create " + path + " in " + describe(), errno);
    std::string_view rest = content;
    while (!rest.empty()) {
        ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::unlinkat(dir.get(), temp.c_str(), 0);
            throw SystemError("cannot write " + path + " in " + describe(), e);
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fchown(fd.get(), uid, gid) != 0 || ::fchmod(fd.get(), mode) != 0) {
        int e = errno;
        ::unlinkat(dir.get(), temp.c_str(), 0);
        throw SystemError("cannot set the owner or mode of " + path, e);
    }
    if (::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0) {
        int e = errno;
        ::unlinkat(dir.get(), temp.c_str(), 0);
        throw SystemError("cannot write " + path + " in " + describe(), e);
    }
}

bool NativeRoot::make_directory(const std::string& path, unsigned mode, unsigned uid,
                                unsigned gid) {
    if (is_directory(path)) return false;
    std::string rel = relative(path);
    std::size_t slash = rel.rfind('/');
    if (slash != std::string::npos) make_directory("/" + rel.substr(0, slash), 0755, 0, 0);
    auto [dir, name] = open_parent_folder(path);
    if (::mkdirat(dir.get(), name.c_str(), mode) != 0) {
        if (errno == EEXIST && is_directory(path)) return false;
        throw SystemError("cannot create " + path + " in " + describe(), errno);
    }
    if (::fchownat(dir.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0 ||
        ::fchmodat(dir.get(), name.c_str(), mode, 0) != 0)
        throw SystemError("cannot set the owner or mode of " + path, errno);
    return true;
}

void NativeRoot::symlink(const std::string& target, const std::string& path) {
    auto [dir, name] = open_parent_folder(path);
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode))
            throw Error("cannot replace the folder " + path + " with a symlink");
        ::unlinkat(dir.get(), name.c_str(), 0);
    }
    if (::symlinkat(target.c_str(), dir.get(), name.c_str()) != 0)
        throw SystemError("cannot create the symlink " + path + " in " + describe(), errno);
}

void NativeRoot::remove(const std::string& path) {
    UniqueFd parent;
    std::string name;
    try {
        std::tie(parent, name) = open_parent(path);
    } catch (const SystemError&) {
        return;  // the folder holding it does not exist
    }
    UniqueFd dir(::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw SystemError("cannot open the folder of " + path, errno);
    remove_at(dir.get(), name);
}

std::vector<std::string> NativeRoot::list(const std::string& directory) {
    UniqueFd fd = open_inside(directory, O_RDONLY | O_DIRECTORY);
    if (!fd) return {};
    std::vector<std::string> names = entry_names(fd.get()).value_or(std::vector<std::string>{});
    std::sort(names.begin(), names.end());
    return names;
}

// A rootless build (user namespace) may mount proc, for its own PID namespace, but not sysfs,
// which belongs to the host's network namespace: the host's /sys is bound instead.
ProcessResult NativeRoot::run(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env, StdoutTo stdout_to) {
    static const char* script =
        "set -e; r=$1; shift; "
        "mount -t proc proc \"$r/proc\"; "
        "mount --rbind /dev \"$r/dev\"; "
        "mount -t sysfs sysfs \"$r/sys\" 2>/dev/null || mount --rbind /sys \"$r/sys\"; "
        "exec chroot \"$r\" \"$@\"";
    std::vector<std::string> command = {
        "unshare", "--mount", "--propagation", "private",     "--",
        "/bin/sh", "-c",      script,          "kiln-chroot", directory_.string()};
    for (const auto& a : guest_command_prefix(env)) command.push_back(a);
    command.insert(command.end(), argv.begin(), argv.end());
    return bake::run({command}, stdout_to);
}

}  // namespace kiln::bake
