#pragma once

#include <filesystem>
#include <string>

#include "bake/build_options.hpp"
#include "bake/guest/root.hpp"
#include "bake/progress.hpp"
#include "kiln/error.hpp"
#include "kiln/source.hpp"
#include "profile/profile.hpp"

namespace kiln::bake {

// What every executor of a build shares: where it works and the guest it changes. What an
// operation does comes with its action (plan/actions.hpp), never from here.
struct Context {
    Context(const BuildOptions& o, Progress& pr, std::filesystem::path w,
            profile::PackageManager guest_manager)
        : options(o), progress(pr), work(std::move(w)), package_manager(guest_manager) {}

    const BuildOptions& options;
    Progress& progress;
    std::filesystem::path work;  // the build's scratch folder
    // The guest's package manager, which tells its family's conventions (Debian or EL).
    profile::PackageManager package_manager;
    // The one time the build writes (the plan's SOURCE_DATE_EPOCH): file times are clamped to it.
    std::int64_t source_date_epoch = 0;

    Root* root = nullptr;        // the guest being changed (a host tree or the appliance's disk)
    std::filesystem::path tree;  // bootstrap bases: the tree on the host
    std::string note;            // what the running operation wants shown beside "done"

    bool debian() const { return package_manager == profile::PackageManager::apt; }
};

// A failure caused by a profile value: the message starts with that value's file:line:column.
class LocatedError : public Error {
public:
    LocatedError(const Location& where, const std::string& message,
                 ExitCode code = ExitCode::invalid_input)
        : Error(where.str() + ": " + message, code) {}
};

}  // namespace kiln::bake
