#include "bake/export_outputs.hpp"

#include <sys/stat.h>

#include "bake/tools.hpp"
#include "export/exporter.hpp"
#include "export/profile_export.hpp"
#include "kiln/sha256.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

OutputWriter::OutputWriter(StagedOutputs& staged, fs::path disk, std::string disk_format,
                           bool compress_qcow2, std::int64_t source_date_epoch)
    : staged_(staged),
      disk_(std::move(disk)),
      disk_format_(std::move(disk_format)),
      compress_qcow2_(compress_qcow2),
      source_date_epoch_(source_date_epoch) {}

std::string OutputWriter::write(const plan::WriteOutput& output) {
    fs::path temp = staged_.stage(output.file.value);
    if (output.format == profile::OutputFormat::qcow2) {
        records_.push_back(write_qcow2(output, temp));
    } else {
        exporter::ExportRequest request =
            exporter::request_for_output(output, disk_, temp.parent_path());
        request.output = temp;
        request.mtime = source_date_epoch_;  // the OVA's tar headers
        exporter::ExportResult result = exporter::export_disk(request);
        records_.push_back({to_string(output.format),
                            output.file.value,
                            "written",
                            result.sha256,
                            result.bytes,
                            {}});
    }
    return std::to_string(records_.back().bytes >> 20) + " MiB";
}

OutputRecord OutputWriter::write_qcow2(const plan::WriteOutput& output, const fs::path& temp) {
    std::vector<std::string> argv = {"qemu-img", "convert", "-f",         disk_format_, "-O",
                                     "qcow2",    "-o",      "compat=1.1", "-m",         "2"};
    if (compress_qcow2_) argv.push_back("-c");
    argv.insert(argv.end(), {disk_.string(), temp.string()});
    run_checked({argv}, "writing " + output.file.value);
    struct stat st {};
    ::stat(temp.c_str(), &st);
    return {"qcow2",
            output.file.value,
            "written",
            sha256_file_hex(temp),
            static_cast<unsigned long long>(st.st_size),
            {}};
}

}  // namespace kiln::bake
