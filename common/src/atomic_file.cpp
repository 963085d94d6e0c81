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

UniqueFd open_folder_of(const std::filesystem::path& destination) {
    std::filesystem::path folder = destination.parent_path();
    UniqueFd fd(::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw SystemError("cannot create " + destination.string(), errno);
    return fd;
}

}  // namespace

AtomicFile::AtomicFile(const std::filesystem::path& destination, unsigned mode)
    : AtomicFile(open_folder_of(destination), destination.filename().string(), destination.string(),
                 mode) {}

AtomicFile::AtomicFile(UniqueFd folder, std::string name, std::string display, unsigned mode)
    : folder_(std::move(folder)), name_(std::move(name)), display_(std::move(display)) {
    for (int attempt = 0; attempt < 16 && !fd_; ++attempt) {
        // The leading dot keeps half-written files out of globs such as *.ova.
        temp_name_ = "." + name_ + ".tmp-" + random_suffix();
        fd_.reset(::openat(folder_.get(), temp_name_.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!fd_ && errno != EEXIST)
            throw SystemError("cannot create a temporary file beside " + display_.string(), errno);
    }
    if (!fd_)
        throw SystemError("cannot create a temporary file beside " + display_.string(), EEXIST);
    ::fchmod(fd_.get(), mode);  // not subject to the umask
}

AtomicFile::~AtomicFile() {
    fd_.reset();
    if (!committed_) ::unlinkat(folder_.get(), temp_name_.c_str(), 0);
}

void AtomicFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError("cannot write " + display_.string(), errno);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void AtomicFile::commit() {
    if (::fsync(fd_.get()) != 0) throw SystemError("cannot write " + display_.string(), errno);
    if (fd_.close() != 0) throw SystemError("cannot write " + display_.string(), errno);
    if (::renameat(folder_.get(), temp_name_.c_str(), folder_.get(), name_.c_str()) != 0)
        throw SystemError("cannot rename into " + display_.string(), errno);
    committed_ = true;
    ::fsync(folder_.get());
}

void write_file_atomically(const std::filesystem::path& destination, std::string_view content,
                           unsigned mode) {
    AtomicFile file(destination, mode);
    file.write(content);
    file.commit();
}

}  // namespace kiln
