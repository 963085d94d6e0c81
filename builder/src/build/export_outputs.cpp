#include "build/export_outputs.hpp"

#include "kiln/error.hpp"

#ifdef KILN_WITH_EXPORT
#include "export/exporter.hpp"
#include "export/profile_export.hpp"
#endif

namespace kiln::build {

#ifdef KILN_WITH_EXPORT

bool export_available() {
    return true;
}

OutputRecord export_output(const profile::Profile& profile, const profile::Output& output,
                           const std::filesystem::path& disk, const std::filesystem::path& staged) {
    exporter::ExportRequest request =
        exporter::request_for_output(profile, output, disk, staged.parent_path());
    request.output = staged;
    exporter::ExportResult result = exporter::export_disk(request);
    return {
        to_string(output.format), output.file.value, "written", result.sha256, result.bytes, {}};
}

#else

bool export_available() {
    return false;
}

OutputRecord export_output(const profile::Profile&, const profile::Output& output,
                           const std::filesystem::path&, const std::filesystem::path&) {
    throw Error("this kiln was built without the export code; cannot write " + output.file.value);
}

#endif

}  // namespace kiln::build
