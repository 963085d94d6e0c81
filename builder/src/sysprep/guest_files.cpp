#include "sysprep/guest_files.hpp"

#include <fnmatch.h>

namespace kiln {

void GuestFiles::empty_directory(const std::string& path) {
    if (!is_directory(path)) return;
    for (const auto& name : list(path)) remove(guest_join(path, name));
}

void GuestFiles::remove_matching(const std::string& directory, const std::string& pattern) {
    if (!is_directory(directory)) return;
    for (const auto& name : list(directory))
        if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) == 0)
            remove(guest_join(directory, name));
}

std::string guest_join(const std::string& base, const std::string& relative) {
    std::string out = base;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    std::string rel = relative;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) return out.empty() ? "/" : out;
    return (out == "/" || out.empty() ? "/" : out + "/") + rel;
}

}  // namespace kiln
