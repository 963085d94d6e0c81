#include "bake/guest/accounts.hpp"

#include <charconv>
#include <sstream>

namespace kiln::bake {

namespace {

void parse_into(const std::string& text, std::map<std::string, unsigned>& out) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        std::size_t a = line.find(':');
        if (a == std::string::npos) continue;
        std::size_t b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::size_t c = line.find(':', b + 1);
        std::string id = line.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1);
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
        if (ec != std::errc{} || ptr != id.data() + id.size()) continue;
        out.emplace(line.substr(0, a), value);
    }
}

}  // namespace

Accounts Accounts::parse(const std::string& passwd, const std::string& group) {
    Accounts a;
    parse_into(passwd, a.users_);
    parse_into(group, a.groups_);
    return a;
}

Accounts Accounts::read(Root& root) {
    return parse(root.read_file("/etc/passwd").value_or(""),
                 root.read_file("/etc/group").value_or(""));
}

std::optional<unsigned> Accounts::uid(const std::string& name) const {
    if (auto it = users_.find(name); it != users_.end()) return it->second;
    return std::nullopt;
}

std::optional<unsigned> Accounts::gid(const std::string& name) const {
    if (auto it = groups_.find(name); it != groups_.end()) return it->second;
    return std::nullopt;
}

}  // namespace kiln::bake
