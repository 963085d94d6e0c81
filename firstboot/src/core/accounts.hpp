#pragma once

#include <filesystem>

#include "kiln/accounts.hpp"

namespace kiln::firstboot {

// The users and groups of the system under `root`, from its /etc/passwd and /etc/group.
Accounts load_accounts(const std::filesystem::path& root);

}  // namespace kiln::firstboot
