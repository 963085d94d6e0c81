#include "bake/steps/debugfs.hpp"

#include <fstream>
#include <sstream>

#include "bake/tools.hpp"
#include "kiln/error.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

std::string filesystem_at(const fs::path& image, std::uint64_t offset) {
    return image.string() + "?offset=" + std::to_string(offset);
}

void run_debugfs(const std::string& device, const std::string& commands, const fs::path& work,
                 std::int64_t epoch, const std::string& what) {
    fs::path script = work / "debugfs-commands.txt";
    std::ofstream(script) << commands;
    // Its echo of each command stays out of the build log. It exits 0 when a command fails and
    // says so on stderr, where otherwise it prints only its banner.
    ProcessSpec debugfs{{"debugfs", "-w", "-f", script.string(), device}};
    debugfs.env = {"E2FSPROGS_FAKE_TIME=" + std::to_string(epoch)};
    ProcessResult set = run_checked(std::move(debugfs), what, StdoutTo::result);
    fs::remove(script);
    std::istringstream errors(set.err);
    for (std::string line; std::getline(errors, line);)
        if (!line.empty() && !line.starts_with("debugfs "))
            throw Error(what + " failed (debugfs): " + line);
}

}  // namespace kiln::bake
