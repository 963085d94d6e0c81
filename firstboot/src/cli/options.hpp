#pragma once

#include "first_boot.hpp"

namespace kiln::firstboot {

// Parses the command line into RunOptions; throws UsageError. `--help`/`--version` print and
// return nullopt.
std::optional<RunOptions> parse_command_line(int argc, char** argv);

}  // namespace kiln::firstboot
