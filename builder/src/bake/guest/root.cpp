#include "bake/guest/root.hpp"

#include <fnmatch.h>

#include "kiln/error.hpp"

namespace kiln::bake {

ProcessResult Root::run_checked(const std::vector<std::string>& argv, const std::string& what,
                                const std::vector<std::string>& env) {
    ProcessResult r = run(argv, env);
    if (!r.succeeded()) throw ProcessFailed(what + " in " + describe(), argv.front(), r);
    return r;
}

void Root::empty_directory(const std::string& path) {
    if (!is_directory(path)) return;
    for (const auto& name : list(path)) remove(guest_join(path, name));
}

void Root::remove_matching(const std::string& directory, const std::string& pattern) {
    if (!is_directory(directory)) return;
    for (const auto& name : list(directory))
        if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) == 0)
            remove(guest_join(directory, name));
}

std::vector<std::string> guest_command_prefix(const std::vector<std::string>& env) {
    std::vector<std::string> out = {
        "/usr/bin/env",
        "-i",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL=C",
        "HOME=/root",
        "DEBIAN_FRONTEND=noninteractive"};
    out.insert(out.end(), env.begin(), env.end());
    return out;
}

std::string guest_join(const std::string& base, const std::string& relative) {
    std::string out = base;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    std::string rel = relative;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) return out.empty() ? "/" : out;
    return (out == "/" || out.empty() ? "/" : out + "/") + rel;
}

}  // namespace kiln::bake
