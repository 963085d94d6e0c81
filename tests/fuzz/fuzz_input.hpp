#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// What the fuzz targets share: turning libFuzzer's bytes into the inputs kiln reads (several
// files, a selector byte) and a scratch folder of the process for the readers that take paths.
namespace kiln_fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// `text` cut at every `separator` (a line of its own in the seeds, so that they stay valid
// YAML or XML); at most `max_parts`, the last one holding the rest.
std::vector<std::string> split(std::string_view text, std::string_view separator,
                               std::size_t max_parts);

// A folder of this process under the temporary directory, emptied by clear() and removed at
// exit. Paths written into it are relative to it.
class Scratch {
public:
    explicit Scratch(const std::string& name);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    void clear();
    // Writes `text` at `relative` (its folders created), mode 0600; returns its path.
    std::filesystem::path write(const std::string& relative, std::string_view text);
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A finding that is not a crash of its own (a broken promise between two parts of kiln):
// prints `what` and aborts, which libFuzzer records as a crash with its input.
[[noreturn]] void fail(const std::string& what);

}  // namespace kiln_fuzz
