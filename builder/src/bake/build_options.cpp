#include "bake/build_options.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "bake/user_namespace.hpp"
#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::bake {

namespace {

// Root's folders are shared by root's builds; anyone else (a rootless build too, root of its user
// namespace only) gets folders of their own under $XDG_CACHE_HOME or ~/.cache.
std::filesystem::path default_folder(const char* variable, const char* name) {
    if (const char* v = std::getenv(variable); v && *v) return v;
    if (runs_as_host_root()) return std::filesystem::path("/var/tmp") / name;
    if (const char* v = std::getenv("XDG_CACHE_HOME"); v && *v)
        return std::filesystem::path(v) / name;
    const char* home = std::getenv("HOME");
    if (!home || !*home)
        throw Error(std::string("no HOME to keep the build's folders in: set ") + variable);
    return std::filesystem::path(home) / ".cache" / name;
}

}  // namespace

std::filesystem::path default_cache_dir() {
    return default_folder("KILN_CACHE_DIR", "kiln-cache");
}

std::filesystem::path default_work_parent() {
    return default_folder("KILN_WORK_DIR", "kiln-work");
}

Accel resolve_accel(Accel requested) {
    if (requested != Accel::automatic) return requested;
    if (const char* v = std::getenv("KILN_ACCEL"); v && *v) {
        if (auto a = parse_enum<Accel>(v); a && *a != Accel::automatic) return *a;
    }
    UniqueFd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    return kvm ? Accel::kvm : Accel::tcg;
}

}  // namespace kiln::bake
