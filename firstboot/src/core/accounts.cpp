#include "core/accounts.hpp"

#include <charconv>

#include "core/files.hpp"

namespace kiln::firstboot {

namespace {

std::vector<std::string> fields(std::string_view line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto colon = line.find(':', start);
        out.emplace_back(
            line.substr(start, colon == std::string_view::npos ? colon : colon - start));
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    return out;
}

std::optional<unsigned> number(const std::string& text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

template <class F>
void each_line(const std::string& text, F&& f) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + start, end - start);
        if (!line.empty() && line.front() != '#' && line.front() != '+' && line.front() != '-')
            f(line);
        start = end + 1;
    }
}

}  // namespace

Accounts Accounts::parse(const std::string& passwd, const std::string& group) {
    Accounts a;
    each_line(passwd, [&](std::string_view line) {
        auto f = fields(line);
        if (f.size() < 7) return;
        auto uid = number(f[2]), gid = number(f[3]);
        if (uid && gid) a.users_.push_back({f[0], *uid, *gid, f[5]});
    });
    each_line(group, [&](std::string_view line) {
        auto f = fields(line);
        if (f.size() < 3) return;
        if (auto gid = number(f[2])) a.groups_.push_back({f[0], *gid});
    });
    return a;
}

Accounts Accounts::load(const std::filesystem::path& root) {
    constexpr std::size_t limit = 4 << 20;
    auto passwd = read_file_limited(root / "etc/passwd", limit);
    auto group = read_file_limited(root / "etc/group", limit);
    return parse(passwd.value_or(""), group.value_or(""));
}

std::optional<Account> Accounts::user(const std::string& name) const {
    for (const auto& u : users_)
        if (u.name == name) return u;
    return std::nullopt;
}

std::optional<Group> Accounts::group(const std::string& name) const {
    for (const auto& g : groups_)
        if (g.name == name) return g;
    return std::nullopt;
}

}  // namespace kiln::firstboot
