#include "kiln/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "kiln/error.hpp"

namespace kiln {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
}

int UniqueFd::close() noexcept {
    if (fd_ < 0) return 0;
    // Linux frees the descriptor even when close fails (EINTR included): never retry.
    return ::close(std::exchange(fd_, -1));
}

Pipe make_pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw SystemError("cannot create a pipe", errno);
    return {UniqueFd(ends[0]), UniqueFd(ends[1])};
}

}  // namespace kiln
