#include "kiln/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

FileProblem system_problem(const char* what) {
    int error = errno;
    return FileProblem{std::string(what) + ": " + std::strerror(error), error};
}

FileOpener opener_of(const std::filesystem::path& path) {
    return [path](int flags) { return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC)); };
}

}  // namespace

std::variant<RegularFile, FileProblem> open_regular_file(const FileOpener& open) {
    UniqueFd where = open(O_PATH);
    if (!where) return system_problem("cannot be opened");
    struct stat st {};
    if (::fstat(where.get(), &st) != 0) return system_problem("cannot be read");
    if (!S_ISREG(st.st_mode))
        return FileProblem{"is " + kind_of(st.st_mode) + ", not a regular file"};
    UniqueFd fd = open(O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (!fd) return system_problem("cannot be opened");
    struct stat again {};
    if (::fstat(fd.get(), &again) != 0) return system_problem("cannot be read");
    if (!S_ISREG(again.st_mode) || again.st_ino != st.st_ino || again.st_dev != st.st_dev)
        return FileProblem{"changed while it was opened"};
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    return RegularFile{std::move(fd), static_cast<std::uint64_t>(again.st_size)};
}

std::variant<RegularFile, FileProblem> open_regular_file(const std::filesystem::path& path) {
    return open_regular_file(opener_of(path));
}

std::variant<std::string, FileProblem> read_regular_file(const FileOpener& open, std::size_t limit,
                                                         std::string_view limit_name) {
    auto opened = open_regular_file(open);
    if (auto* problem = std::get_if<FileProblem>(&opened)) return *problem;
    auto& file = std::get<RegularFile>(opened);
    auto too_large = [&] {
        return FileProblem{"is larger than " + std::to_string(limit) + " bytes (" +
                           std::string(limit_name) + ")"};
    };
    if (file.size > limit) return too_large();
    // The size may change while it is read: read at most one byte beyond the limit to know.
    std::string text(static_cast<std::size_t>(file.size) + 1, '\0');
    std::size_t length = 0;
    for (;;) {
        if (length == text.size()) {
            if (length > limit) return too_large();
            text.resize(std::min(limit + 1, std::max<std::size_t>(text.size() * 2, 4096)));
        }
        ssize_t n = ::read(file.fd.get(), text.data() + length, text.size() - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_problem("cannot be read");
        if (n == 0) break;
        length += static_cast<std::size_t>(n);
    }
    if (length > limit) return too_large();
    text.resize(length);
    return text;
}

std::variant<std::string, FileProblem> read_regular_file(const std::filesystem::path& path,
                                                         std::size_t limit,
                                                         std::string_view limit_name) {
    return read_regular_file(opener_of(path), limit, limit_name);
}

}  // namespace kiln
