#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Rootless builds: `kiln build` of a bootstrap base by an ordinary user runs again, the same
// command line, inside a user namespace where it is root (uid 0 is the user, uids 1-65536 the
// user's first /etc/subuid range, as mmdebstrap --mode=unshare maps them), with its own mount
// namespace (chroot bind mounts) and PID namespace (a /proc for the chroots). Inside, the tree's
// owners are the image's owners, so mkfs.ext4 -d records the same uids as a root build.
namespace kiln::bake {

// Inside any user namespace but the host's (uid 0 there is not the host's root).
bool in_user_namespace();

// Root of the host: may write in root's places (/var/tmp/kiln-cache). False inside a user
// namespace, where uid 0 is an ordinary user.
bool runs_as_host_root();

// uids (or gids) 1-65536 of the namespace: Debian's system and ordinary accounts, nobody
// (65534) among them.
constexpr std::uint32_t kSubordinateIdsNeeded = 65536;

struct SubordinateIds {
    std::uint32_t start = 0;
    std::uint32_t count = 0;
};

// The first range of `user` (by name or uid) in /etc/subuid or /etc/subgid text (name:start:count
// lines); nullopt when it has none.
std::optional<SubordinateIds> find_subordinate_ids(std::string_view file_text,
                                                   std::string_view user, std::uint32_t uid);

// The first id after every range /etc/subuid or /etc/subgid text gives out, and not below
// 100000 (useradd's default SUB_UID_MIN): where a new range may start.
std::uint64_t first_free_subordinate_id(const std::optional<std::string>& file_text);

// What a rootless build starts from: who runs it, what the host offers.
struct RootlessHost {
    std::string user;
    std::uint32_t uid = 0;
    std::optional<std::string> subuid_text;  // nullopt: no /etc/subuid
    std::optional<std::string> subgid_text;
    bool has_newuidmap = false;  // newuidmap and newgidmap (Debian package uidmap) in PATH
    bool has_newgidmap = false;
};

// The unshare(1) command that runs `argv` as root of a new user, mount and PID namespace, mapped
// as above (util-linux's unshare maps the ranges through newuidmap and newgidmap). Throws Error,
// naming what to install or the /etc/subuid line to add, when the host cannot.
std::vector<std::string> user_namespace_command(const RootlessHost& host,
                                                const std::vector<std::string>& argv);

// `path` (a PATH value) with /usr/local/sbin, /usr/sbin and /sbin added where missing: an ordinary
// user's PATH on Debian has none, and the build runs debootstrap, mkfs.ext4, debugfs from there.
std::string path_with_sbin(std::string_view path);

// This process's host, from the system (passwd, /etc/subuid, /etc/subgid, PATH).
RootlessHost this_rootless_host();

// Runs the same command line (/proc/self/exe, /proc/self/cmdline) in the namespaces of
// user_namespace_command, PATH with the sbin folders, its output passed through line by line and
// an interruption passed on; returns its exit status. Throws Error when the host cannot.
int run_again_in_user_namespace();

}  // namespace kiln::bake
