#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace kiln::bake {

// The build's scratch folder (tree, raw disk, log), named after the owning process. Removed
// when the build ends; one left behind by a killed build (its process is gone) is removed by
// the next build.
class Workspace {
public:
    Workspace(const std::filesystem::path& parent, bool keep);
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

    static void remove_stale(const std::filesystem::path& parent);

private:
    std::filesystem::path path_;
    bool keep_;
};

// Files that appear at their final paths only when all of them are complete: each is written
// under a temporary name beside its destination (".NAME.kiln-PID.tmp") and renamed at commit.
// Destroyed uncommitted (error, interruption), it removes them; after SIGKILL the next build
// removes temporaries whose process is gone.
class StagedOutputs {
public:
    explicit StagedOutputs(std::filesystem::path directory);
    ~StagedOutputs();
    StagedOutputs(const StagedOutputs&) = delete;
    StagedOutputs& operator=(const StagedOutputs&) = delete;

    std::filesystem::path stage(const std::string& file_name);  // returns the temporary path
    void commit();  // renames every staged file; the manifest should be staged last

    static void remove_stale(const std::filesystem::path& directory);

private:
    std::filesystem::path directory_;
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> files_;  // temp, final
    bool committed_ = false;
};

bool process_alive(long pid);

}  // namespace kiln::bake
