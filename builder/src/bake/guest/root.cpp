#include "bake/guest/root.hpp"

#include "kiln/error.hpp"

namespace kiln::bake {

Result Root::run_checked(const std::vector<std::string>& argv, const std::string& what,
                         const std::vector<std::string>& env) {
    Result r = run(argv, env);
    if (r.status != 0)
        throw Error(what + " failed in " + describe() + " (" + argv.front() + " exited with " +
                    std::to_string(r.status) + ")" + (r.tail.empty() ? "" : ":\n" + r.tail));
    return r;
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

}  // namespace kiln::bake
