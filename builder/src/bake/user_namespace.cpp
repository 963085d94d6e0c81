#include "bake/user_namespace.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bake/interruption.hpp"
#include "kiln/error.hpp"
#include "kiln/process.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_whole(const fs::path& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<std::uint32_t> parse_id(std::string_view s) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

struct SubordinateLine {
    std::string owner;
    SubordinateIds ids;
};

std::vector<SubordinateLine> subordinate_lines(std::string_view text) {
    std::vector<SubordinateLine> out;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        auto start = parse_id(std::string_view(line).substr(first + 1, second - first - 1));
        auto count = parse_id(std::string_view(line).substr(second + 1));
        if (start && count) out.push_back({line.substr(0, first), {*start, *count}});
    }
    return out;
}

void require_range(const RootlessHost& host, const std::optional<std::string>& text,
                   const char* file, const char* kind) {
    auto ids = text ? find_subordinate_ids(*text, host.user, host.uid) : std::nullopt;
    if (ids && ids->count >= kSubordinateIdsNeeded) return;
    const std::uint64_t start = first_free_subordinate_id(host.subuid_text);
    const std::string fix = fmt::format(
        "add the line '{0}:{1}:{2}' to /etc/subuid and /etc/subgid as root (or run "
        "'usermod --add-subuids {1}-{3} --add-subgids {1}-{3} {0}'), with a range no other user "
        "has",
        host.user, start, kSubordinateIdsNeeded, start + kSubordinateIdsNeeded - 1);
    if (ids)
        throw Error(fmt::format(
            "a rootless build maps {} {}s of the image but the first range of {} in {} has {}: "
            "{}",
            kSubordinateIdsNeeded, kind, host.user, file, ids->count, fix));
    throw Error(fmt::format(
        "a rootless build (kiln build of a bootstrap base by a user other than root) needs "
        "{} subordinate {}s for {} in {}, which {}: {}",
        kSubordinateIdsNeeded, kind, host.user, file,
        text ? "has no range for this user" : "does not exist", fix));
}

}  // namespace

std::uint64_t first_free_subordinate_id(const std::optional<std::string>& file_text) {
    std::uint64_t start = 100000;
    if (file_text)
        for (const auto& l : subordinate_lines(*file_text))
            start = std::max(start, std::uint64_t{l.ids.start} + l.ids.count);
    return start;
}

std::string path_with_sbin(std::string_view path) {
    std::string out(path);
    for (const char* dir : {"/usr/local/sbin", "/usr/sbin", "/sbin"}) {
        if ((":" + out + ":").find(std::string(":") + dir + ":") != std::string::npos) continue;
        out += out.empty() ? dir : std::string(":") + dir;
    }
    return out;
}

bool in_user_namespace() {
    auto map = read_whole("/proc/self/uid_map");
    if (!map) return false;
    std::istringstream words(*map);
    std::string inside, outside, count, more;
    words >> inside >> outside >> count;
    return !(inside == "0" && outside == "0" && count == "4294967295" && !(words >> more));
}

bool runs_as_host_root() {
    return ::geteuid() == 0 && !in_user_namespace();
}

std::optional<SubordinateIds> find_subordinate_ids(std::string_view file_text,
                                                   std::string_view user, std::uint32_t uid) {
    for (const auto& line : subordinate_lines(file_text))
        if (line.owner == user || parse_id(line.owner) == uid) return line.ids;
    return std::nullopt;
}

std::vector<std::string> user_namespace_command(const RootlessHost& host,
                                                const std::vector<std::string>& argv) {
    if (!host.has_newuidmap || !host.has_newgidmap)
        throw Error(
            "a rootless build (kiln build of a bootstrap base by a user other than root) maps "
            "the image's owners with newuidmap and newgidmap, which are not installed: install "
            "the package uidmap (apt-get install uidmap), or build as root");
    require_range(host, host.subuid_text, "/etc/subuid", "uid");
    require_range(host, host.subgid_text, "/etc/subgid", "gid");
    auto uids = *find_subordinate_ids(*host.subuid_text, host.user, host.uid);
    auto gids = *find_subordinate_ids(*host.subgid_text, host.user, host.uid);
    std::vector<std::string> c = {
        "unshare",
        "--map-root-user",
        fmt::format("--map-users={},1,{}", uids.start, kSubordinateIdsNeeded),
        fmt::format("--map-groups={},1,{}", gids.start, kSubordinateIdsNeeded),
        "--mount",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        "--"};
    c.insert(c.end(), argv.begin(), argv.end());
    return c;
}

RootlessHost this_rootless_host() {
    RootlessHost host;
    host.uid = ::geteuid();
    const struct passwd* pw = ::getpwuid(host.uid);
    host.user = pw ? pw->pw_name : std::to_string(host.uid);
    host.subuid_text = read_whole("/etc/subuid");
    host.subgid_text = read_whole("/etc/subgid");
    host.has_newuidmap = find_program("newuidmap").has_value();
    host.has_newgidmap = find_program("newgidmap").has_value();
    return host;
}

int run_again_in_user_namespace() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    auto cmdline = read_whole("/proc/self/cmdline");
    if (ec || !cmdline) throw Error("cannot read this kiln's command line from /proc/self");
    std::vector<std::string> argv = {self.string()};
    std::size_t at = cmdline->find('\0');
    while (at != std::string::npos && at + 1 < cmdline->size()) {
        std::size_t end = cmdline->find('\0', at + 1);
        argv.push_back(cmdline->substr(at + 1, end - at - 1));
        at = end;
    }
    const char* path = std::getenv("PATH");
    ProcessSpec spec{user_namespace_command(this_rootless_host(), argv)};
    spec.env = {"PATH=" + path_with_sbin(path ? path : "/usr/bin:/bin")};
    spec.output_limit = 64 << 10;
    spec.on_line = [](OutputStream stream, std::string_view line) {
        (stream == OutputStream::out ? std::cout : std::cerr) << line << "\n" << std::flush;
    };
    // unshare blocks SIGINT and SIGTERM while it waits: an interruption of this kiln is passed
    // on to the process group, where the kiln inside (its namespace's init) stops its tool.
    spec.on_start = tool_started;
    spec.stop_requested = interrupted;
    ProcessResult inside = run_process(spec);
    tool_ended();
    if (inside.outcome == Outcome::exited) return inside.exit_code;
    if (inside.outcome == Outcome::killed) return 128 + inside.signal;
    throw Error("the build in a user namespace did not run: " + inside.describe());
}

}  // namespace kiln::bake
