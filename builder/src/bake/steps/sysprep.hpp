#pragma once

#include <string>

#include "bake/context.hpp"

namespace kiln::bake {

// One sysprep operation (profile::known_sysprep_operations), run on the guest after
// everything else. zero-free-space is recorded and done by whoever has the disk mounted last.
void run_sysprep(Context& ctx, const std::string& operation, const Location& where);

}  // namespace kiln::bake
