#include "core/accounts.hpp"

#include "core/files.hpp"

namespace kiln::firstboot {

Accounts load_accounts(const std::filesystem::path& root) {
    constexpr std::size_t limit = 4 << 20;
    auto passwd = read_file_limited(root / "etc/passwd", limit);
    auto group = read_file_limited(root / "etc/group", limit);
    return Accounts::parse(passwd.value_or(""), group.value_or(""));
}

}  // namespace kiln::firstboot
