#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace kiln::bake {

// The package layer cache: the tree a bootstrap base and its packages produced, keyed by the
// plan's package_layer_digest (a digest of exactly those inputs), so a build where only
// overlays, units or settings changed starts from a copy of it. An entry appears only when
// complete (built beside, then renamed); unfinished ones of dead builds are removed.
class LayerCache {
public:
    explicit LayerCache(std::filesystem::path directory);

    const std::filesystem::path& directory() const { return dir_; }
    std::optional<std::filesystem::path> find(const std::string& digest) const;  // the cached tree
    // Copies `tree` into the cache under `digest` (replacing nothing already there).
    void store(const std::string& digest, const std::filesystem::path& tree) const;
    // Copies a cached tree to `destination` (which must not exist).
    static void copy_tree(const std::filesystem::path& from,
                          const std::filesystem::path& destination);
    // debootstrap's/dnf's own package cache, for builds whose layer is not cached.
    std::filesystem::path package_cache(const std::string& name) const;

private:
    std::filesystem::path dir_;
};

}  // namespace kiln::bake
