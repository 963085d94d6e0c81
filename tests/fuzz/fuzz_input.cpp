#include "fuzz_input.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;

namespace kiln_fuzz {

std::vector<std::string> split(std::string_view text, std::string_view separator,
                               std::size_t max_parts) {
    std::vector<std::string> parts;
    while (parts.size() + 1 < max_parts) {
        auto at = text.find(separator);
        if (at == std::string_view::npos) break;
        parts.emplace_back(text.substr(0, at));
        text.remove_prefix(at + separator.size());
    }
    parts.emplace_back(text);
    return parts;
}

Scratch::Scratch(const std::string& name) {
    std::string pattern = (fs::temp_directory_path() / ("kiln-fuzz-" + name + ".XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) fail("cannot create a scratch folder under " + pattern);
    path_ = pattern;
}

Scratch::~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void Scratch::clear() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path_, ec)) fs::remove_all(entry.path(), ec);
}

fs::path Scratch::write(const std::string& relative, std::string_view text) {
    fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    return file;
}

void fail(const std::string& what) {
    std::fprintf(stderr, "kiln fuzz: %s\n", what.c_str());
    std::abort();
}

}  // namespace kiln_fuzz
