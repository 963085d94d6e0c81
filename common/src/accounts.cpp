#include "kiln/accounts.hpp"

#include <charconv>
#include <filesystem>

namespace kiln {

namespace {

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    while (true) {
        auto colon = line.find(':');
        out.push_back(line.substr(0, colon));
        if (colon == std::string_view::npos) return out;
        line.remove_prefix(colon + 1);
    }
}

std::optional<unsigned> number(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A relative home is meaningless; '..' must not lead out of a --root or a guest tree.
std::string normalised_home(std::string_view home) {
    std::filesystem::path path(home);
    if (!path.is_absolute()) return "";
    return path.lexically_normal().string();
}

// The entries of a passwd/group file: every line that is not empty, a comment or NIS's.
template <class F>
void each_entry(std::string_view text, F&& f) {
    while (!text.empty()) {
        auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-')
            continue;
        f(fields(line));
    }
}

}  // namespace

Accounts Accounts::parse(std::string_view passwd, std::string_view group) {
    Accounts a;
    // name:password:uid:gid:gecos:home:shell
    each_entry(passwd, [&](const std::vector<std::string_view>& f) {
        if (f.size() < 7 || f[0].empty()) return;
        auto uid = number(f[2]), gid = number(f[3]);
        if (uid && gid) a.users_.push_back({std::string(f[0]), *uid, *gid, normalised_home(f[5])});
    });
    // name:password:gid:members
    each_entry(group, [&](const std::vector<std::string_view>& f) {
        if (f.size() < 3 || f[0].empty()) return;
        if (auto gid = number(f[2])) a.groups_.push_back({std::string(f[0]), *gid});
    });
    return a;
}

std::optional<User> Accounts::user(std::string_view name) const {
    for (const auto& u : users_)
        if (u.name == name) return u;
    return std::nullopt;
}

std::optional<Group> Accounts::group(std::string_view name) const {
    for (const auto& g : groups_)
        if (g.name == name) return g;
    return std::nullopt;
}

}  // namespace kiln
