#pragma once

#include "bake/guest/root.hpp"
#include "kiln/accounts.hpp"

namespace kiln::bake {

// The guest's own users and groups, from its /etc/passwd and /etc/group.
Accounts read_accounts(Root& root);

}  // namespace kiln::bake
