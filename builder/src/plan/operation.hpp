#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kiln/source.hpp"

namespace kiln::plan {

// The stages of a build, in the order they run.
enum class Stage { base, packages, customize, firstboot, seal, sysprep, disk, output };
std::string to_string(Stage stage);

// One typed step of a build (virt-customize style): what it does, from which inputs, and a
// digest of exactly those inputs, so a cache or a user can tell when it would change.
struct Operation {
    Stage stage{};
    std::string kind;     // e.g. "install-packages", "copy-tree"
    std::string summary;  // one line for people
    std::vector<std::pair<std::string, std::string>> inputs;  // canonical parameters
    std::string digest;                                       // sha256 hex over kind and inputs
    Location where;                                           // the profile line that asked for it
};

struct Plan {
    std::string profile_name;
    std::vector<Operation> operations;
    std::string profile_digest;  // over every operation's digest, in order
    // Over the base and packages stages only: the key of the cached package layer.
    std::string package_layer_digest;
};

}  // namespace kiln::plan
