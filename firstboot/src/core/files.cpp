#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "kiln/error.hpp"

namespace kiln::firstboot {

namespace {

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

}  // namespace

std::optional<std::string> read_regular_file(const FileOpener& open, const std::string& display,
                                             std::size_t limit, std::string_view what) {
    UniqueFd where = open(O_PATH);
    if (!where) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw SystemError("cannot read " + display, errno);
    }
    struct stat st {};
    if (::fstat(where.get(), &st) != 0) throw SystemError("cannot read " + display, errno);
    if (!S_ISREG(st.st_mode))
        throw Error(display + " is " + kind_of(st.st_mode) + ", not a regular file");
    UniqueFd fd = open(O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (!fd) throw SystemError("cannot read " + display, errno);
    struct stat again {};
    if (::fstat(fd.get(), &again) != 0 || !S_ISREG(again.st_mode) || again.st_ino != st.st_ino ||
        again.st_dev != st.st_dev)
        throw Error(display + " changed while it was opened");
    std::string text;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError("cannot read " + display, errno);
        if (n == 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > limit)
            throw Error(display + " is larger than " + std::to_string(limit) +
                        " bytes (the limit for " + std::string(what) + ")");
    }
}

std::optional<std::string> read_regular_file(const std::filesystem::path& path, std::size_t limit,
                                             std::string_view what) {
    auto open = [&](int flags) { return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC)); };
    return read_regular_file(open, path.string(), limit, what);
}

std::filesystem::path under_root(const std::filesystem::path& root,
                                 const std::filesystem::path& path) {
    return root / path.relative_path();
}

}  // namespace kiln::firstboot
