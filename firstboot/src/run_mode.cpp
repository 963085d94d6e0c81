#include "run_mode.hpp"

#include <unistd.h>

namespace kiln::firstboot {

namespace {

RunMode::Kind kind_of(const RunOptions& options) {
    if (options.render_only) return RunMode::Kind::render_only;
    return options.reconfigure ? RunMode::Kind::reconfigure : RunMode::Kind::apply;
}

}  // namespace

RunMode::RunMode(const RunOptions& options)
    : kind_(kind_of(options)),
      on_this_system_(options.root == "/"),
      running_as_root_(::geteuid() == 0) {}

std::optional<std::string> RunMode::usage_problem() const {
    if (render_only() && on_this_system_)
        return "--render-only needs --root DIR (it never writes into /)";
    return std::nullopt;
}

}  // namespace kiln::firstboot
