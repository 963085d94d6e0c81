#include "kiln/inherited_fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>

// Everything below runs in a child of a possibly multi-threaded process before exec: system
// calls only (no allocation, no locks, no stdio).
namespace kiln {

namespace {

std::atomic<FdClosing> g_forced{FdClosing::close_range};

bool kept(int fd, std::span<const int> keep) {
    return std::find(keep.begin(), keep.end(), fd) != keep.end();
}

// close_range over the gaps between the kept descriptors; false where the kernel lacks it.
bool close_with_close_range(std::span<const int> keep) {
    unsigned first = 3;
    for (int fd : keep) {
        auto k = static_cast<unsigned>(fd);
        if (k > first && ::close_range(first, k - 1, 0) != 0) return false;
        first = std::max(first, k + 1);
    }
    return ::close_range(first, ~0U, 0) == 0;
}

int parse_fd(const char* name) {
    int fd = 0;
    for (const char* c = name; *c; ++c) {
        if (*c < '0' || *c > '9' || fd > (INT_MAX - 9) / 10) return -1;
        fd = fd * 10 + (*c - '0');
    }
    return *name ? fd : -1;
}

// procfs lists a process's descriptors in numeric order and keeps its place by number, so
// closing the entries already read does not disturb the listing.
bool close_listed_in_proc(std::span<const int> keep) {
    int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return false;
    alignas(dirent64) char buffer[4096];
    for (;;) {
        ssize_t got = ::getdents64(dir, buffer, sizeof buffer);
        if (got < 0) {
            ::close(dir);
            return false;
        }
        if (got == 0) break;
        for (ssize_t at = 0; at < got;) {
            const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
            at += entry->d_reclen;
            int fd = parse_fd(entry->d_name);
            if (fd > 2 && fd != dir && !kept(fd, keep)) ::close(fd);
        }
    }
    ::close(dir);
    return true;
}

void close_up_to_fd_limit(std::span<const int> keep) {
    rlimit limit{};
    // No descriptor can be at or above the soft limit (the kernel caps it at fs.nr_open).
    rlim_t end = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                     ? limit.rlim_cur
                     : rlim_t{1} << 20;
    for (rlim_t fd = 3; fd < end; ++fd)
        if (!kept(static_cast<int>(fd), keep)) ::close(static_cast<int>(fd));
}

}  // namespace

void close_inherited_fds(std::span<const int> keep) {
    FdClosing how = g_forced.load(std::memory_order_relaxed);
    if (how == FdClosing::close_range && close_with_close_range(keep)) return;
    if (how != FdClosing::up_to_fd_limit && close_listed_in_proc(keep)) return;
    close_up_to_fd_limit(keep);
}

void force_fd_closing_for_tests(FdClosing how) {
    g_forced.store(how, std::memory_order_relaxed);
}

}  // namespace kiln
