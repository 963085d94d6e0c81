#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "kiln/error.hpp"
#include "kiln/sha256.hpp"
#include "plan/planner.hpp"

namespace kiln::plan {

namespace fs = std::filesystem;

std::string tree_digest(const fs::path& root) {
    std::vector<fs::path> entries;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        entries.push_back(it->path());
    if (ec) throw SystemError("cannot read " + root.string(), ec.value());
    std::sort(entries.begin(), entries.end());
    Sha256 hash;
    for (const auto& entry : entries) {
        struct stat st {};
        if (::lstat(entry.c_str(), &st) != 0)
            throw SystemError("cannot stat " + entry.string(), errno);
        hash.field(entry.lexically_relative(root).string());
        // Modes as a build normalises them (0755/0644), so a checkout's umask does not matter.
        bool executable = S_ISDIR(st.st_mode) || (st.st_mode & 0111) != 0;
        hash.field(executable ? "0755" : "0644");
        if (S_ISREG(st.st_mode))
            hash.field("file").field(sha256_file_hex(entry));
        else if (S_ISLNK(st.st_mode))
            hash.field("link").field(fs::read_symlink(entry).string());
        else if (S_ISDIR(st.st_mode))
            hash.field("dir");
        else
            hash.field("other");
    }
    return hash.hex_digest();
}

}  // namespace kiln::plan
