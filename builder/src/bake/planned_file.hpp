#pragma once

#include <filesystem>
#include <string>

#include "kiln/source.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// The whole content of a file of the build host (an Error when it cannot be read).
std::string read_host_file(const std::filesystem::path& path);

// The bytes of a host file the plan digested; a file changed since would install what the plan
// does not describe, so that is an error located at `where`.
std::string read_planned(const plan::HostContent& file, const Location& where);

}  // namespace kiln::bake
