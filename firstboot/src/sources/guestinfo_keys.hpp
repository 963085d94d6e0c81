#pragma once

#include "sources/collection.hpp"
#include "sources/guestinfo.hpp"

namespace kiln::firstboot {

// Transport 1: guestinfo.kiln.<key> for every schema key. Empty and scrubbed values are absent.
void read_guestinfo_keys(GuestInfo& guestinfo, Collection& out);

// Transport 3: cloud-init's guestinfo.metadata (+ .encoding), as a metadata document.
void read_cloud_init_metadata(GuestInfo& guestinfo, Collection& out);

}  // namespace kiln::firstboot
