#pragma once

#include <filesystem>
#include <optional>

#include "core/root_dir.hpp"
#include "sources/collection.hpp"
#include "validate/node_config.hpp"

namespace kiln::firstboot {

// The validate stage, all or nothing: every value from every transport against its grammar,
// the required keys, and the rules between keys (self among the peers, addresses agreeing).
// Every problem goes to collection.report naming the key and its transport; a NodeConfig comes
// back only when there is no error at all. Every value must be UTF-8 first of all (nothing is
// rendered from bytes that are not). `root` is consulted for time zones.
std::optional<NodeConfig> validate(Collection& collection, const RootDir& root);

}  // namespace kiln::firstboot
