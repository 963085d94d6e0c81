#pragma once

#include <string>
#include <vector>

#include "metadata/formats.hpp"

namespace kiln::metadata {

// What the format's transport cannot carry: a guestinfo value holds at most 64 KiB (each
// guestinfo.kiln.* key, and guestinfo.ovfEnv / guestinfo.metadata, which hold every value at
// once). Each problem names the value and the transport.
std::vector<std::string> transport_problems(Format format, const Values& values);

}  // namespace kiln::metadata
