#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "kiln/error.hpp"

namespace kiln::firstboot {

std::optional<std::string> read_regular_file(const FileOpener& open, const std::string& display,
                                             std::size_t limit, std::string_view what) {
    auto read = kiln::read_regular_file(open, limit, "the limit for " + std::string(what));
    if (auto* text = std::get_if<std::string>(&read)) return std::move(*text);
    const auto& problem = std::get<FileProblem>(read);
    if (problem.error == ENOENT || problem.error == ENOTDIR) return std::nullopt;
    throw Error(display + " " + problem.message);
}

std::optional<std::string> read_regular_file(const std::filesystem::path& path, std::size_t limit,
                                             std::string_view what) {
    auto open = [&](int flags) { return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC)); };
    return read_regular_file(open, path.string(), limit, what);
}

std::filesystem::path under_root(const std::filesystem::path& root,
                                 const std::filesystem::path& path) {
    return root / path.relative_path();
}

}  // namespace kiln::firstboot
