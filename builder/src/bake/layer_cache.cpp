#include "bake/layer_cache.hpp"

#include <unistd.h>

#include <random>
#include <regex>

#include "bake/tools.hpp"
#include "bake/workspace.hpp"
#include "kiln/error.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

LayerCache::LayerCache(fs::path directory) : dir_(std::move(directory)) {
    std::error_code ec;
    fs::create_directories(dir_ / "layers", ec);
    if (ec) throw SystemError("cannot create the cache folder " + dir_.string(), ec.value());
    static const std::regex partial(R"(\.partial-\w+-(\d+)(-\d+)?)");
    for (const auto& entry : fs::directory_iterator(dir_ / "layers", ec)) {
        std::smatch m;
        std::string n = entry.path().filename().string();
        if (std::regex_match(n, m, partial) && !process_alive(std::stol(m[1])))
            fs::remove_all(entry.path(), ec);
    }
}

std::optional<fs::path> LayerCache::find(const std::string& digest) const {
    fs::path tree = dir_ / "layers" / digest / "tree";
    if (fs::is_directory(tree)) return tree;
    return std::nullopt;
}

void LayerCache::copy_tree(const fs::path& from, const fs::path& destination) {
    // cp keeps owners, modes, hard links, xattrs (file capabilities) and device nodes.
    run_checked({{"cp", "-a", "--reflink=auto", from.string(), destination.string()}},
                "copying the tree " + from.string());
}

void LayerCache::store(const std::string& digest, const fs::path& tree) const {
    if (find(digest)) return;
    // Rootless builds are each pid 1 of their own PID namespace: the random part keeps two of
    // them apart (and process_alive(1) keeps their leftovers, never a live one's).
    std::mt19937 engine{std::random_device{}()};
    fs::path partial = dir_ / "layers" /
                       (".partial-" + digest.substr(0, 16) + "-" + std::to_string(::getpid()) +
                        "-" + std::to_string(engine() % 100000));
    std::error_code ec;
    fs::remove_all(partial, ec);
    fs::create_directories(partial);
    try {
        copy_tree(tree, partial / "tree");
        if (::rename(partial.c_str(), (dir_ / "layers" / digest).c_str()) != 0 &&
            errno != ENOTEMPTY && errno != EEXIST)
            throw SystemError("cannot store the cache entry " + digest, errno);
    } catch (...) {
        fs::remove_all(partial, ec);
        throw;
    }
    fs::remove_all(partial, ec);
}

fs::path LayerCache::package_cache(const std::string& name) const {
    return dir_ / "packages" / name;
}

}  // namespace kiln::bake
