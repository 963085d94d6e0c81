#include "bake/planned_file.hpp"

#include <fstream>
#include <sstream>

#include "bake/context.hpp"
#include "kiln/sha256.hpp"

namespace kiln::bake {

std::string read_host_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string read_planned(const plan::HostContent& file, const Location& where) {
    std::string bytes = read_host_file(file.path);
    if (sha256_hex(bytes) != file.digest)
        throw LocatedError(where, file.path.string() + " changed after the plan was made",
                           ExitCode::failed);
    return bytes;
}

}  // namespace kiln::bake
