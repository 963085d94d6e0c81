#pragma once

#include <array>
#include <filesystem>

#include "kiln/enum_names.hpp"

namespace kiln::bake {

enum class Accel { automatic, kvm, tcg };
constexpr auto name_table(Accel) {
    using enum Accel;
    return std::to_array<EnumName<Accel>>({{automatic, "auto"}, {kvm, "kvm"}, {tcg, "tcg"}});
}

struct BuildOptions {
    std::filesystem::path output_dir = ".";
    std::filesystem::path cache_dir;  // layer cache; empty: default
    bool use_cache = true;
    std::filesystem::path work_parent;  // where the build's scratch folder goes; empty: default
    bool keep_work = false;             // leave the scratch folder for debugging
    Accel accel = Accel::automatic;
    bool compress_qcow2 = false;
    bool appliance_bootloader =
        false;  // GRUB through the appliance even where kiln can do it natively
    bool json = false;
};

// Defaults: $KILN_CACHE_DIR, else /var/tmp/kiln-cache for the host's root and
// ${XDG_CACHE_HOME:-~/.cache}/kiln-cache for anyone else (rootless builds too); the same for
// $KILN_WORK_DIR and kiln-work.
std::filesystem::path default_cache_dir();
std::filesystem::path default_work_parent();

// auto: $KILN_ACCEL if set, else KVM when /dev/kvm can be opened, else TCG.
Accel resolve_accel(Accel requested);

}  // namespace kiln::bake
