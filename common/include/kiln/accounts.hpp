#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Users and groups parsed from the text of /etc/passwd and /etc/group, never through glibc's
// NSS: the static kiln-firstboot must not call it, and the builder needs the image's own ids
// (the same name often has another id on the build host). Reading the files is the caller's.
namespace kiln {

struct User {
    std::string name;
    unsigned uid = 0;
    unsigned gid = 0;
    std::string home;  // absolute and without '..' (normalised), or empty when it was neither
};

struct Group {
    std::string name;
    unsigned gid = 0;
};

class Accounts {
public:
    // Comments, NIS +/- entries and malformed lines (too few fields, ids that are not
    // numbers) are skipped; the first entry of a name wins, as in NSS's files module.
    static Accounts parse(std::string_view passwd, std::string_view group);

    std::optional<User> user(std::string_view name) const;
    std::optional<Group> group(std::string_view name) const;

private:
    std::vector<User> users_;
    std::vector<Group> groups_;
};

}  // namespace kiln
