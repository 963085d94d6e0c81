#include "export/verify/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "kiln/error.hpp"
#include "kiln/regular_file.hpp"

namespace kiln::exporter::verify_detail {

InputFile::InputFile(const std::filesystem::path& path) : path_(path) {
    auto opened = open_regular_file(path);
    if (auto* problem = std::get_if<FileProblem>(&opened))
        throw InvalidInput(path.string() + " " + problem->message);
    auto& file = std::get<RegularFile>(opened);
    fd_ = std::move(file.fd);
    size_ = file.size;
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
}

const std::uint8_t* FileWindow::get(std::uint64_t at, std::size_t n) {
    if (n > size_ || at > size_ - n) return nullptr;
    if (at < start_ || at + n > start_ + buffer_.size()) {
        std::size_t want = static_cast<std::size_t>(
            std::min<std::uint64_t>(std::max<std::size_t>(kWindow, n), size_ - at));
        buffer_.resize(want);
        if (!read_at(fd_, base_ + at, buffer_.data(), want)) {
            buffer_.clear();
            return nullptr;
        }
        start_ = at;
    }
    return buffer_.data() + (at - start_);
}

bool read_at(int fd, std::uint64_t offset, void* out, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(out);
    while (n > 0) {
        ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        offset += static_cast<std::uint64_t>(r);
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

std::string read_string(int fd, std::uint64_t offset, std::uint64_t n) {
    std::string s(n, '\0');
    if (!read_at(fd, offset, s.data(), n)) s.clear();
    return s;
}

}  // namespace kiln::exporter::verify_detail
