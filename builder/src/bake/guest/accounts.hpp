#pragma once

#include <map>
#include <optional>
#include <string>

#include "bake/guest/root.hpp"

namespace kiln::bake {

// The guest's own users and groups, read from its /etc/passwd and /etc/group (never the
// build host's: the same name often has another id there).
class Accounts {
public:
    static Accounts parse(const std::string& passwd, const std::string& group);
    static Accounts read(Root& root);

    std::optional<unsigned> uid(const std::string& name) const;
    std::optional<unsigned> gid(const std::string& name) const;

private:
    std::map<std::string, unsigned> users_;
    std::map<std::string, unsigned> groups_;
};

}  // namespace kiln::bake
