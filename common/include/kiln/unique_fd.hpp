#pragma once

#include <utility>

namespace kiln {

// Owns one file descriptor: closes it once, when destroyed or reset; moves, never copies.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    // Gives up ownership: the caller closes what this returns.
    int release() noexcept { return std::exchange(fd_, -1); }
    // Closes the descriptor held (if any) and takes `fd`.
    void reset(int fd = -1) noexcept;
    // Closes now and returns close(2)'s result, for writers that must see a failed close; -1
    // with errno set on failure. Holds nothing afterwards either way.
    int close() noexcept;

private:
    int fd_ = -1;
};

// Both ends of a pipe(2), close-on-exec; throws SystemError when the pipe cannot be made.
struct Pipe {
    UniqueFd read;
    UniqueFd write;
};
Pipe make_pipe();

}  // namespace kiln
