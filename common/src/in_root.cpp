#include "kiln/in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <string>
#include <vector>

namespace kiln {

namespace {

std::atomic<InRootResolution> g_resolution{InRootResolution::openat2};

// The names of a path, without empty ones and ".", in order.
std::deque<std::string> names_of(std::string_view path) {
    std::deque<std::string> names;
    while (!path.empty()) {
        std::size_t slash = path.find('/');
        std::string_view name = path.substr(0, slash);
        if (!name.empty() && name != ".") names.emplace_back(name);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return names;
}

UniqueFd failed(int error) {
    errno = error;
    return UniqueFd();
}

// The target of the symlink `link` (opened O_PATH|O_NOFOLLOW); false, errno set, on failure.
bool read_link(int link, std::string& target) {
    char buffer[4096];
    ssize_t n = ::readlinkat(link, "", buffer, sizeof buffer);
    if (n < 0) return false;
    if (static_cast<std::size_t>(n) == sizeof buffer) {
        errno = ENAMETOOLONG;
        return false;
    }
    target.assign(buffer, static_cast<std::size_t>(n));
    return true;
}

UniqueFd open_last(int folder, const std::string& name, int flags, unsigned mode) {
    return UniqueFd(::openat(folder, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
}

UniqueFd walk(int root_fd, std::string_view path, int flags, unsigned mode) {
    std::vector<UniqueFd> below_root;  // the folders walked into, the root excluded
    auto folder = [&] { return below_root.empty() ? root_fd : below_root.back().get(); };
    std::deque<std::string> names = names_of(path);
    int links = 0;
    while (!names.empty()) {
        std::string name = std::move(names.front());
        names.pop_front();
        if (name == "..") {
            if (!below_root.empty()) below_root.pop_back();
            continue;
        }
        bool last = names.empty();
        UniqueFd next(::openat(folder(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            if (last && errno == ENOENT && (flags & O_CREAT))
                return open_last(folder(), name, flags, mode);
            return failed(errno);
        }
        struct stat st {};
        if (::fstat(next.get(), &st) != 0) return failed(errno);
        if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
            std::string target;
            if (++links > kMaxSymlinksInRoot) return failed(ELOOP);
            if (!read_link(next.get(), target)) return failed(errno);
            if (target.starts_with('/')) below_root.clear();
            std::deque<std::string> spliced = names_of(target);
            names.insert(names.begin(), spliced.begin(), spliced.end());
            continue;
        }
        if (last) return open_last(folder(), name, flags, mode);
        if (!S_ISDIR(st.st_mode)) return failed(ENOTDIR);
        below_root.push_back(std::move(next));
    }
    // The path named a folder already walked into (the root, or one reached through ".." or a
    // symlink whose target ended there).
    return UniqueFd(::openat(folder(), ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC, mode));
}

// -1 with errno ENOSYS where the kernel has no openat2.
UniqueFd with_openat2(int root_fd, std::string_view path, int flags, unsigned mode) {
    open_how how{};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::size_t start = path.find_first_not_of('/');
    std::string relative = start == std::string_view::npos ? "." : std::string(path.substr(start));
    for (;;) {
        long fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
        // EAGAIN: a rename elsewhere in the tree raced the resolution; it is safe to retry.
        if (fd >= 0 || errno != EAGAIN) return UniqueFd(static_cast<int>(fd));
    }
}

}  // namespace

UniqueFd open_in_root(int root_fd, std::string_view path, int flags, unsigned mode) {
    if (g_resolution.load(std::memory_order_relaxed) == InRootResolution::openat2) {
        UniqueFd fd = with_openat2(root_fd, path, flags, mode);
        if (fd || errno != ENOSYS) return fd;
        // A kernel before 5.6 (or a seccomp filter that hides openat2): walk from now on.
        g_resolution.store(InRootResolution::walk, std::memory_order_relaxed);
    }
    return walk(root_fd, path, flags, mode);
}

void force_in_root_resolution_for_tests(InRootResolution how) {
    g_resolution.store(how, std::memory_order_relaxed);
}

}  // namespace kiln
