#include "bake/build_options.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "kiln/unique_fd.hpp"

namespace kiln::bake {

std::filesystem::path default_cache_dir() {
    if (const char* v = std::getenv("KILN_CACHE_DIR"); v && *v) return v;
    return "/var/tmp/kiln-cache";
}

std::filesystem::path default_work_parent() {
    if (const char* v = std::getenv("KILN_WORK_DIR"); v && *v) return v;
    return "/var/tmp/kiln-work";
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
