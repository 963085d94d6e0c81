#pragma once

#include <filesystem>

#include "bake/context.hpp"
#include "bake/guest/appliance.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// An existing image as the base (CentOS GenericCloud, a previous kiln output...): fetched or
// found, its sha256 checked before anything uses it, layered (qcow2 overlay, the original is
// never written), grown to disk.size, then inspected and mounted in the appliance.
class ImageBase {
public:
    ImageBase(Context& ctx, std::filesystem::path disk, std::filesystem::path download_dir);

    void import(const plan::ImportImage& image);  // import-image
    void resize(const plan::ResizeDisk& resize);  // resize-disk
    void mount_and_grow(Appliance& appliance);

    // The sha256 check on its own (a mismatch names base.image.sha256's line).
    static void verify_sha256(const plan::ImportImage& image, const std::filesystem::path& file);

private:
    Context& ctx_;
    profile::Text source_;  // the imported image, as the profile names it
    std::filesystem::path disk_;
    std::filesystem::path download_dir_;
    bool grown_ = false;
};

}  // namespace kiln::bake
