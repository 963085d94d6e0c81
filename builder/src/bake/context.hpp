#pragma once

#include <filesystem>
#include <string>

#include "bake/build_options.hpp"
#include "bake/progress.hpp"
#include "bake/guest/root.hpp"
#include "kiln/error.hpp"
#include "kiln/source.hpp"
#include "plan/operation.hpp"
#include "profile/profile.hpp"

namespace kiln::bake {

// What every executor of a build shares.
struct Context {
    Context(const profile::Profile& p, const plan::Plan& pl, const BuildOptions& o, Progress& pr,
            std::filesystem::path w)
        : profile(p), plan(pl), options(o), progress(pr), work(std::move(w)) {}

    const profile::Profile& profile;
    const plan::Plan& plan;
    const BuildOptions& options;
    Progress& progress;
    std::filesystem::path work;  // the build's scratch folder

    Root* root = nullptr;          // the guest being changed (a host tree or the appliance's disk)
    std::filesystem::path tree;    // bootstrap bases: the tree on the host
    bool zero_free_space = false;  // asked by sysprep; done last, where the disk is mounted
    bool selinux_relabel = false;  // asked by sysprep; done last, in the appliance
    std::string note;              // what the running operation wants shown beside "done"
};

// A failure caused by a profile value: the message starts with that value's file:line:column.
class LocatedError : public Error {
public:
    LocatedError(const Location& where, const std::string& message,
                 ExitCode code = ExitCode::invalid_input)
        : Error(where.str() + ": " + message, code) {}
};

}  // namespace kiln::bake
