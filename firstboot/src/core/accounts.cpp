#include "core/accounts.hpp"

namespace kiln::firstboot {

namespace {
// Far beyond any real system's /etc/passwd or /etc/group.
constexpr std::size_t kMaxAccountsFileBytes = 4 << 20;
}  // namespace

Accounts load_accounts(const RootDir& root) {
    auto passwd = root.read("/etc/passwd", kMaxAccountsFileBytes, "/etc/passwd");
    auto group = root.read("/etc/group", kMaxAccountsFileBytes, "/etc/group");
    return Accounts::parse(passwd.value_or(""), group.value_or(""));
}

}  // namespace kiln::firstboot
