#include <cstdio>

#include "cli/options.hpp"
#include "first_boot.hpp"

// Thin front-end: parse, run the pipeline, map the result to an exit code.
int main(int argc, char** argv) {
    using namespace kiln::firstboot;
    try {
        auto options = parse_command_line(argc, argv);
        if (!options) return 0;
        Log log;
        return static_cast<int>(run_first_boot(*options, log));
    } catch (const kiln::Error& e) {
        std::fprintf(stderr, "kiln-firstboot: %s\n", e.what());
        return static_cast<int>(e.code());
    }
}
