#include "kiln/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln {

namespace {

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "a special file";
}

}  // namespace

std::variant<RegularFile, FileProblem> open_regular_file(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) return FileProblem{std::string("cannot be opened: ") + std::strerror(errno)};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return FileProblem{std::string("cannot be read: ") + std::strerror(errno)};
    if (!S_ISREG(st.st_mode))
        return FileProblem{"is " + kind_of(st.st_mode) + ", not a regular file"};
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    return RegularFile{std::move(fd), static_cast<std::uint64_t>(st.st_size)};
}

std::variant<std::string, FileProblem> read_regular_file(const std::filesystem::path& path,
                                                         std::size_t limit) {
    auto opened = open_regular_file(path);
    if (auto* problem = std::get_if<FileProblem>(&opened)) return *problem;
    auto& file = std::get<RegularFile>(opened);
    auto too_large = [&] {
        return FileProblem{"is larger than " + std::to_string(limit) + " bytes (the limit)"};
    };
    if (file.size > limit) return too_large();
    // The size may change while it is read: read at most one byte beyond the limit to know.
    std::string text(static_cast<std::size_t>(file.size) + 1, '\0');
    std::size_t length = 0;
    for (;;) {
        if (length == text.size()) {
            if (length > limit) return too_large();
            text.resize(std::min(limit + 1, text.size() * 2));
        }
        ssize_t n = ::read(file.fd.get(), text.data() + length, text.size() - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return FileProblem{std::string("cannot be read: ") + std::strerror(errno)};
        if (n == 0) break;
        length += static_cast<std::size_t>(n);
    }
    if (length > limit) return too_large();
    text.resize(length);
    return text;
}

}  // namespace kiln
