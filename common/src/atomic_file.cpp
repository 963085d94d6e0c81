#include "kiln/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "kiln/error.hpp"

namespace kiln {

namespace {

std::string random_suffix() {
    static thread_local std::mt19937_64 engine{std::random_device{}()};
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    for (int i = 0; i < 8; ++i) out += alphabet[engine() % (sizeof(alphabet) - 1)];
    return out;
}

void fsync_directory(const std::filesystem::path& dir) {
    UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) ::fsync(fd.get());
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path destination, unsigned mode)
    : destination_(std::move(destination)) {
    for (int attempt = 0; attempt < 16 && !fd_; ++attempt) {
        // The leading dot keeps half-written files out of globs such as *.ova.
        temp_ = destination_.parent_path() /
                ("." + destination_.filename().string() + ".tmp-" + random_suffix());
        fd_.reset(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
        if (!fd_ && errno != EEXIST) throw SystemError("cannot create " + temp_.string(), errno);
    }
    if (!fd_)
        throw SystemError("cannot create a temporary file beside " + destination_.string(), EEXIST);
    ::fchmod(fd_.get(), mode);  // not subject to the umask
}

AtomicFile::~AtomicFile() {
    fd_.reset();
    if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError("cannot write " + destination_.string(), errno);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void AtomicFile::commit() {
    if (::fsync(fd_.get()) != 0) throw SystemError("cannot write " + destination_.string(), errno);
    if (fd_.close() != 0) throw SystemError("cannot write " + destination_.string(), errno);
    if (::rename(temp_.c_str(), destination_.c_str()) != 0)
        throw SystemError("cannot rename into " + destination_.string(), errno);
    committed_ = true;
    fsync_directory(destination_.parent_path());
}

void write_file_atomically(const std::filesystem::path& destination, std::string_view content,
                           unsigned mode) {
    AtomicFile file(destination, mode);
    file.write(content);
    file.commit();
}

}  // namespace kiln
