#pragma once

#include <filesystem>

#include "core/root_dir.hpp"
#include "kiln/accounts.hpp"

namespace kiln::firstboot {

// The users and groups of the system under `root`, from its /etc/passwd and /etc/group.
Accounts load_accounts(const RootDir& root);

}  // namespace kiln::firstboot
