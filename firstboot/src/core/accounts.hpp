#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Users and groups read straight from /etc/passwd and /etc/group under a root: a static
// binary must not call glibc's NSS (getpwnam & co.), and a --root is another system anyway.
namespace kiln::firstboot {

struct Account {
    std::string name;
    unsigned uid = 0;
    unsigned gid = 0;
    std::string home;
};

struct Group {
    std::string name;
    unsigned gid = 0;
};

class Accounts {
public:
    static Accounts load(const std::filesystem::path& root);
    static Accounts parse(const std::string& passwd, const std::string& group);

    std::optional<Account> user(const std::string& name) const;
    std::optional<Group> group(const std::string& name) const;

private:
    std::vector<Account> users_;
    std::vector<Group> groups_;
};

}  // namespace kiln::firstboot
