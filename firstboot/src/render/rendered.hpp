#pragma once

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kiln/enum_names.hpp"

namespace kiln::firstboot {

// The program that checks a rendered file before it is committed.
enum class Checker { none, haproxy, keepalived, patroni, consul };
constexpr auto name_table(Checker) {
    using enum Checker;
    return std::to_array<EnumName<Checker>>({{none, "none"},
                                             {haproxy, "haproxy"},
                                             {keepalived, "keepalived"},
                                             {patroni, "patroni"},
                                             {consul, "consul"}});
}

// One file kiln-firstboot writes, with its absolute path on the target system.
struct RenderedFile {
    RenderedFile() = default;
    RenderedFile(std::filesystem::path p, std::string text, unsigned m = 0644,
                 std::string user = "root", std::string grp = "root")
        : path(std::move(p)),
          content(std::move(text)),
          mode(m),
          owner(std::move(user)),
          group(std::move(grp)) {}

    std::filesystem::path path;
    std::string content;
    unsigned mode = 0644;
    std::string owner = "root";
    std::string group = "root";  // empty: the owner's primary group
    bool secret = false;         // holds a secret: 0600, never logged
    // Read by a checked file's tool (a certificate, a key): staged beside the checked copy,
    // its path there standing in for this one, since it is not committed yet.
    bool staged_for_checks = false;
    std::optional<std::string> symlink;  // a symlink to this target instead of content
    Checker checker = Checker::none;
    // Replacements made only in the copy a checker sees (e.g. DCS hosts that cannot answer
    // before the cluster runs, pointed at loopback so the check is quick).
    std::vector<std::pair<std::string, std::string>> check_substitutions = {};
};

// A directory that must exist with this mode and owner (e.g. ~admin/.ssh).
struct RenderedDir {
    std::filesystem::path path;
    unsigned mode = 0755;
    std::string owner = "root";
    std::string group = "root";
};

struct Rendering {
    std::vector<RenderedFile> files;
    std::vector<RenderedDir> dirs;
    // The unit that applies the rendered static network (restarted before the cluster starts:
    // the boot raised the network before first boot wrote its configuration). Empty: none.
    std::string network_unit;
    const RenderedFile* find(const std::filesystem::path& path) const {
        for (const auto& f : files)
            if (f.path == path) return &f;
        return nullptr;
    }
    // Takes out the files under `folder` (the data disk's: committed once it is mounted).
    Rendering take_files_under(const std::filesystem::path& folder) {
        Rendering taken;
        std::erase_if(files, [&](RenderedFile& f) {
            auto [end, rest] = std::mismatch(folder.begin(), folder.end(), f.path.begin());
            if (end != folder.end() || rest == f.path.end()) return false;
            taken.files.push_back(std::move(f));
            return true;
        });
        return taken;
    }
};

}  // namespace kiln::firstboot
