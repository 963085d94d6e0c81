#include "bake/steps/static_devices.hpp"

#include <fmt/format.h>

#include <array>

#include "bake/steps/debugfs.hpp"

namespace kiln::bake {

namespace {

constexpr std::array kStaticDevices = {
    StaticDevice{"console", 5, 1}, StaticDevice{"full", 1, 7},   StaticDevice{"null", 1, 3},
    StaticDevice{"ptmx", 5, 2},    StaticDevice{"random", 1, 8}, StaticDevice{"tty", 5, 0},
    StaticDevice{"urandom", 1, 9}, StaticDevice{"zero", 1, 5},
};

constexpr std::pair<const char*, const char*> kDevLinks[] = {{"fd", "/proc/self/fd"},
                                                             {"stdin", "/proc/self/fd/0"},
                                                             {"stdout", "/proc/self/fd/1"},
                                                             {"stderr", "/proc/self/fd/2"}};

}  // namespace

std::span<const StaticDevice> static_devices() {
    return kStaticDevices;
}

void remove_static_devices(Root& tree) {
    for (const auto& device : kStaticDevices) tree.remove(std::string("/dev/") + device.name);
    for (const char* folder : {"/dev/pts", "/dev/shm"}) tree.make_directory(folder, 0755, 0, 0);
    for (const auto& [name, target] : kDevLinks)
        if (!tree.exists(std::string("/dev/") + name))
            tree.symlink(target, std::string("/dev/") + name);
}

std::string static_device_commands(std::int64_t epoch) {
    std::string out = "cd /dev\n";
    for (const auto& d : kStaticDevices) {
        out += fmt::format("mknod {} c {} {}\nsif {} mode 020666\nsif {} uid 0\nsif {} gid 0\n",
                           d.name, d.major, d.minor, d.name, d.name, d.name);
        for (const char* field : {"atime", "mtime", "crtime"})
            out += fmt::format("sif {} {} @{}\n", d.name, field, epoch);
    }
    // Linking them in changed the folder.
    for (const char* field : {"atime", "mtime"})
        out += fmt::format("sif /dev {} @{}\n", field, epoch);
    return out;
}

void add_static_devices(const std::filesystem::path& image, std::uint64_t offset,
                        std::int64_t epoch, const std::filesystem::path& work) {
    run_debugfs(filesystem_at(image, offset), static_device_commands(epoch), work, epoch,
                "making the device nodes of /dev");
}

}  // namespace kiln::bake
