// The profile loader: YAML, includes, variables, decoding and validation, and both report
// forms. The input is a small tree of files: the profile, then up to three includable files,
// each after a line "#@file" (profile.yml, a.yml, inc/b.yml, inc/c.yml).
#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "kiln/error.hpp"
#include "profile/loader.hpp"

namespace {

const char* const kFiles[] = {"profile.yml", "a.yml", "inc/b.yml", "inc/c.yml"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static kiln_fuzz::Scratch scratch("profile");
    scratch.clear();
    auto parts = kiln_fuzz::split(kiln_fuzz::as_text(data, size), "\n#@file\n", std::size(kFiles));
    for (std::size_t i = 0; i < parts.size(); ++i) scratch.write(kFiles[i], parts[i]);

    kiln::SourceFiles sources;
    kiln::Report report;
    kiln::profile::LoadOptions options;
    options.variables = {{"fuzz", "value"}};
    try {
        kiln::profile::load((scratch.path() / kFiles[0]).string(), options, sources, report);
    } catch (const kiln::Error&) {
        // a refusal kiln reports as such (exit code 1-3), not a crash
    }
    report.format(&sources);
    report.to_json().dump();
    return 0;
}
