#include "run_mode.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln::firstboot {

namespace {

RunMode::Kind kind_of(const RunOptions& options) {
    if (options.render_only) return RunMode::Kind::render_only;
    return options.reconfigure ? RunMode::Kind::reconfigure : RunMode::Kind::apply;
}

}  // namespace

RunMode::RunMode(const RunOptions& options)
    : kind_(kind_of(options)),
      running_as_root_(::geteuid() == 0),
      has_bus_address_(options.bus_address.has_value()) {
    // By identity, never by spelling: "/.", "/tmp/.." and a symlink to "/" are all "/".
    struct stat root {
    }, system_root{};
    if (::stat(options.root.c_str(), &root) != 0)
        root_problem_ = "cannot use --root " + options.root.string() + ": " + std::strerror(errno);
    else if (!S_ISDIR(root.st_mode))
        root_problem_ = "--root " + options.root.string() + " is not a folder";
    else if (::stat("/", &system_root) != 0)
        root_problem_ = std::string("cannot stat /: ") + std::strerror(errno);
    else
        on_this_system_ = root.st_dev == system_root.st_dev && root.st_ino == system_root.st_ino;
}

std::optional<std::string> RunMode::usage_problem() const {
    if (root_problem_) return root_problem_;
    if (render_only() && on_this_system_)
        return "--render-only needs --root DIR, a folder other than this system's / (it never "
               "writes into /)";
    if (configures_node() && !on_this_system_ && !has_bus_address_)
        return "--root DIR configures the system in DIR, whose services this machine's system "
               "bus does not run: give --bus ADDRESS (that system's bus) or --render-only";
    return std::nullopt;
}

}  // namespace kiln::firstboot
