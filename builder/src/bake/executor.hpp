#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "bake/context.hpp"
#include "plan/operation.hpp"

namespace kiln::bake {

class ImageBase;
class MountedDisk;
class OutputWriter;
class TreeDisk;

// Operations with their 1-based position in the plan, as progress counts them.
using NumberedOperations = std::vector<std::pair<std::size_t, const plan::Operation*>>;

// Runs plan operations: one executor per action (an overload std::visit picks, so an action
// without one does not compile), all in one loop that keeps the build's bookkeeping: an
// interrupt stops before the next operation, progress shows each begin and end with the note
// the executor left, and current() names the running operation when one fails.
class Executor {
public:
    explicit Executor(Context& ctx) : ctx_(ctx) {}

    // What the running phase's operations act on, set by the build as each becomes available.
    // The guest's files are ctx.root.
    std::filesystem::path package_cache;   // bootstrap: downloads kept between builds
    ImageBase* image_base = nullptr;       // import-image, resize-disk
    TreeDisk* tree_disk = nullptr;         // make-disk, install-bootloader
    MountedDisk* finished_disk = nullptr;  // selinux-relabel, zero-free-space
    OutputWriter* outputs = nullptr;       // write-*

    void run(const NumberedOperations& operations);
    // Shows operations whose result a cache provided as such, without running them.
    void skip_cached(const NumberedOperations& operations, const std::string& note);
    const plan::Operation* current() const { return current_; }

    void operator()(const plan::Bootstrap& action);
    void operator()(const plan::ImportImage& action);
    void operator()(const plan::ResizeDisk& action);
    void operator()(const plan::AddRepository& action);
    void operator()(const plan::InstallPackages& action);
    void operator()(const plan::RemovePackages& action);
    void operator()(const plan::CopyOverlay& action);
    void operator()(const plan::SetTimezone& action);
    void operator()(const plan::SetLocale& action);
    void operator()(const plan::ConfigureNtp& action);
    void operator()(const plan::ConfigureZabbixAgent& action);
    void operator()(const plan::SetHostname& action);
    void operator()(const plan::ApplyUnits& action);
    void operator()(const plan::RunScript& action);
    void operator()(const plan::InstallFirstboot& action);
    void operator()(const plan::WriteNodeDefaults& action);
    void operator()(const plan::ConfigureDataDisk& action);
    void operator()(const plan::DisableClusterServices& action);
    void operator()(const plan::SealEtcdData& action);
    void operator()(const plan::SealPostgresqlClusters& action);
    void operator()(const plan::RunSysprep& action);
    void operator()(const plan::MakeDisk& action);
    void operator()(const plan::InstallBootloader& action);
    void operator()(const plan::SelinuxRelabel& action);
    void operator()(const plan::TrimFreeSpace& action);
    void operator()(const plan::WriteOutput& action);

private:
    // The context with the guest's files present (the phases that change the guest).
    Context& in_guest();
    template <class Place>
    Place& need(Place* place, const char* what);

    Context& ctx_;
    const plan::Operation* current_ = nullptr;
};

}  // namespace kiln::bake
