#include "bake/guest/root.hpp"

#include "bake/tools.hpp"
#include "kiln/error.hpp"

namespace kiln::bake {

ProcessResult Root::run_checked(const std::vector<std::string>& argv, const std::string& what,
                                const std::vector<std::string>& env) {
    ProcessResult r = run(argv, env);
    if (!r.succeeded()) throw ProcessFailed(what + " in " + describe(), argv.front(), r);
    return r;
}

std::vector<std::string> guest_command_prefix(const std::vector<std::string>& env) {
    std::vector<std::string> out = {"/usr/bin/env", "-i",         kGuestPath,
                                    "LC_ALL=C",     "HOME=/root", "DEBIAN_FRONTEND=noninteractive"};
    out.insert(out.end(), build_environment().begin(), build_environment().end());
    out.insert(out.end(), env.begin(), env.end());
    return out;
}

}  // namespace kiln::bake
