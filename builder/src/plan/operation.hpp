#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kiln/enum_names.hpp"
#include "kiln/source.hpp"
#include "plan/actions.hpp"

namespace kiln::plan {

// The stages of a build, in the order they run.
enum class Stage { base, packages, customize, scripts, firstboot, seal, sysprep, disk, output };
constexpr auto name_table(Stage) {
    using enum Stage;
    return std::to_array<EnumName<Stage>>({{base, "base"},
                                           {packages, "packages"},
                                           {customize, "customize"},
                                           {scripts, "scripts"},
                                           {firstboot, "firstboot"},
                                           {seal, "seal"},
                                           {sysprep, "sysprep"},
                                           {disk, "disk"},
                                           {output, "output"}});
}

// What an operation does; the build has one executor per alternative.
using Action =
    std::variant<Bootstrap, ImportImage, ResizeDisk, AddRepository, InstallPackages, RemovePackages,
                 CopyOverlay, SetTimezone, SetLocale, ConfigureNtp, ConfigureZabbixAgent,
                 SetHostname, ApplyUnits, RunScript, InstallFirstboot, WriteNodeDefaults,
                 ConfigureDataDisk, DisableClusterServices, SealEtcdData, SealPostgresqlClusters,
                 RunSysprep, MakeDisk, InstallBootloader, SelinuxRelabel, TrimFreeSpace,
                 WriteOutput>;

// The name users see (`kiln plan`, progress, the manifest): "install-packages", "copy-tree"...
std::string name_of(const Action& action);
// The action's inputs as canonical text, in their declared order (`kiln plan --json`).
std::vector<std::pair<std::string, std::string>> inputs_of(const Action& action);
// sha256 hex over the name and the inputs: what a cache or a user compares.
std::string digest_of(const Action& action);

// One step of a build (virt-customize style): an action, the stage it runs in, a line for
// people and the profile line that asked for it.
struct Operation {
    Stage stage{};
    Action action;
    std::string summary;
    Location where;
    std::string digest;  // digest_of(action)

    std::string name() const { return name_of(action); }
};

struct Plan {
    std::string profile_name;
    std::vector<Operation> operations;
    std::string profile_digest;  // over every operation's digest, in order
    // Over the base and packages stages only: the key of the cached package layer.
    std::string package_layer_digest;
    profile::SourceDateEpoch source_date_epoch;  // the one time the build writes
};

}  // namespace kiln::plan
