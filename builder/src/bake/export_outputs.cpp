#include "bake/export_outputs.hpp"

#include "export/exporter.hpp"
#include "export/profile_export.hpp"

namespace kiln::bake {

OutputRecord export_output(const profile::Profile& profile, const profile::Output& output,
                           const std::filesystem::path& disk, const std::filesystem::path& staged) {
    exporter::ExportRequest request =
        exporter::request_for_output(profile, output, disk, staged.parent_path());
    request.output = staged;
    exporter::ExportResult result = exporter::export_disk(request);
    return {
        to_string(output.format), output.file.value, "written", result.sha256, result.bytes, {}};
}

}  // namespace kiln::bake
