#include "bake/guest/accounts.hpp"

namespace kiln::bake {

Accounts read_accounts(Root& root) {
    return Accounts::parse(root.read_file("/etc/passwd").value_or(""),
                           root.read_file("/etc/group").value_or(""));
}

}  // namespace kiln::bake
