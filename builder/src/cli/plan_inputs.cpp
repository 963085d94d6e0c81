#include "cli/plan_inputs.hpp"

#include <filesystem>

#include "profile/source_date_epoch.hpp"

#ifndef KILN_FIRSTBOOT_BINARY
#define KILN_FIRSTBOOT_BINARY ""
#endif
#ifndef KILN_UNITS_DIR
#define KILN_UNITS_DIR ""
#endif

namespace kiln::cli {

namespace fs = std::filesystem;

namespace {

// Installed, kiln is PREFIX/bin/kiln beside PREFIX/libexec/kiln and PREFIX/share/kiln.
fs::path install_prefix() {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : self.parent_path().parent_path();
}

fs::path find_binary() {
    fs::path installed = install_prefix() / "libexec/kiln/kiln-firstboot";
    if (fs::is_regular_file(installed)) return installed;
    return KILN_FIRSTBOOT_BINARY;
}

fs::path find_unit() {
    // Built: the source tree's units/ (an installed kiln never looks there).
    for (const fs::path& dir : {install_prefix() / "share/kiln/units", fs::path(KILN_UNITS_DIR)})
        if (!dir.empty() && fs::is_regular_file(dir / "kiln-firstboot.service"))
            return dir / "kiln-firstboot.service";
    return {};
}

}  // namespace

plan::PlanInputs PlanInputOptions::resolve() const {
    return {firstboot_binary.empty() ? find_binary() : fs::path(firstboot_binary),
            firstboot_unit.empty() ? find_unit() : fs::path(firstboot_unit),
            profile::environment_source_date_epoch()};
}

}  // namespace kiln::cli
