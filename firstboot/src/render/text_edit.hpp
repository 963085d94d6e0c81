#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiln::firstboot {

// Rewrites a "Key=value"-style file: drops every line that sets one of `keys` (as "Key=" or
// "Key value"), keeps the rest, and appends `lines` under a marker comment.
std::string replace_settings(const std::string& original, const std::vector<std::string_view>& keys,
                             const std::vector<std::string>& lines);

// Replaces the block between kiln's begin/end markers (or appends one) in a text file.
std::string replace_block(const std::string& original, const std::string& block);

// /etc/network/interfaces with every stanza of `iface` ("iface IFACE ..." and its indented
// options, "auto"/"allow-hotplug" lines naming only it) commented out: kiln's own stanza in
// interfaces.d replaces them. Unchanged when nothing names the interface.
std::string disable_ifupdown_stanzas(const std::string& original, const std::string& iface);

}  // namespace kiln::firstboot
