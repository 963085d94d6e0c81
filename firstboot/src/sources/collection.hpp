#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/metadata.hpp"
#include "kiln/diagnostics.hpp"
#include "kiln/image_config.hpp"
#include "kiln/source.hpp"

namespace kiln::firstboot {

// Everything the collect stage found: values from every transport, the image configuration,
// and every problem met on the way (reported all at once by the validate stage).
struct Collection {
    Metadata metadata;
    Report report;
    SourceFiles sources;
    image::ImageConfig image;
    std::vector<std::string> transports_found;  // e.g. "guestinfo (vmware-rpctool)", for the log
    std::vector<std::string> guestinfo_secret_keys;  // guestinfo keys that held secrets (to scrub)
    // guestinfo.ovfEnv without its secret properties, when it held any (written back to scrub).
    std::optional<std::string> ovf_env_without_secrets;
};

// Adds the values of a metadata document (cloud-init keys + `kiln:` map) read from `display`.
void add_document(const std::string& display, const std::string& text, Transport transport,
                  Collection& out);

}  // namespace kiln::firstboot
