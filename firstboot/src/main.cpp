#include <CLI/CLI.hpp>

#include "kiln/version.hpp"

// Placeholder front-end: the first-boot pipeline arrives with its own issue.
int main(int argc, char** argv) {
    CLI::App app{"kiln-firstboot: configures a cloned kiln node from its metadata",
                 "kiln-firstboot"};
    app.set_version_flag("--version", std::string("kiln-firstboot ") + kiln::kVersion);
    CLI11_PARSE(app, argc, argv);
    return 0;
}
