#pragma once

#include <span>

namespace kiln {

// Closes every descriptor above 2 except those in `keep` (ascending, each above 2), so that a
// child holds only what it was meant to get. Async-signal-safe: it is called between fork and
// exec, and in forked helpers that never exec.
//
// close_range(2) does it in one call; kernels before 5.9 (CentOS 7's 3.10, where the static
// kiln-firstboot runs) answer ENOSYS, and then the descriptors listed in /proc/self/fd are
// closed one by one, or, without /proc, every number up to the descriptor limit.
void close_inherited_fds(std::span<const int> keep = {});

// How close_inherited_fds works; tests force the fallbacks, which a recent kernel never takes.
enum class FdClosing { close_range, proc_self_fd, up_to_fd_limit };
void force_fd_closing_for_tests(FdClosing how);

}  // namespace kiln
