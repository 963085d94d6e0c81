#pragma once

#include <string_view>

#include "kiln/unique_fd.hpp"

namespace kiln {

// Opens `path` as if the folder `root_fd` were "/": an absolute symlink, and ".." at the top,
// resolve inside it, so that what a tree holds (an image being built, the system kiln-firstboot
// configures in a folder) never leads outside it. A leading "/" is ignored; an empty path is the
// root itself. `flags` and `mode` are openat(2)'s; O_CLOEXEC is always added. Returns an empty
// UniqueFd, errno set, on failure (ELOOP after kMaxSymlinksInRoot symlinks).
UniqueFd open_in_root(int root_fd, std::string_view path, int flags, unsigned mode = 0);

// How many symlinks one resolution follows before it gives up with ELOOP (the kernel's own
// limit for openat2).
inline constexpr int kMaxSymlinksInRoot = 40;

// openat2(2)'s RESOLVE_IN_ROOT (Linux 5.6 and later), or, where the kernel answers ENOSYS
// (CentOS 7's 3.10, where the static kiln-firstboot runs), a walk one name at a time from the
// root with O_PATH|O_NOFOLLOW that reads each symlink itself: an absolute target starts again at
// the root and ".." stops at it. The walk is taken by itself when openat2 is missing; tests
// force either.
enum class InRootResolution { openat2, walk };
void force_in_root_resolution_for_tests(InRootResolution how);

}  // namespace kiln
