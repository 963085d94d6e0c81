#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "export/digest.hpp"
#include "export/ovf.hpp"
#include "export/vmdk_writer.hpp"
#include "profile/output_format.hpp"

// The export API that `kiln export` and `kiln build` (for the outputs a profile declares) call.
namespace kiln::exporter {

struct Signing {
    std::filesystem::path key;   // PEM private key
    std::filesystem::path cert;  // PEM certificate
};

struct ExportRequest {
    std::filesystem::path source;       // any disk QEMU reads
    std::string source_format;          // empty: from the file name, else detected
    bool allow_external_files = false;  // see SourceOptions
    std::filesystem::path output;       // the artifact; appears only when complete
    profile::OutputFormat format = profile::OutputFormat::ova;
    std::string base_name;  // OVA member names; empty: the output's stem
    OvfSettings ovf;
    unsigned threads = 0;       // compression workers; 0: one per core
    int level = kDefaultLevel;  // libdeflate level
    DigestKind manifest = DigestKind::sha256;
    std::optional<Signing> signing;
    std::optional<std::int64_t> mtime;  // tar mtime; empty: SOURCE_DATE_EPOCH, else 0
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct ExportResult {
    std::filesystem::path output;
    std::uint64_t bytes = 0;
    std::string sha256;                // of the artifact
    std::vector<std::string> members;  // OVA member names in order
    std::optional<VmdkResult> vmdk;    // the disk written (ova, vmdk)
    double seconds = 0;
};

// Writes request.output in request.format. Throws InvalidInput for bad input (missing or
// damaged disk, bad settings), Error/SystemError when writing fails; no partial file remains.
ExportResult export_disk(const ExportRequest& request);

// OVA member names for a base name.
struct MemberNames {
    std::string ovf, manifest, cert, disk, data_disk;
};
MemberNames member_names(const std::string& base_name);

// The tar mtime: SOURCE_DATE_EPOCH when set (profile/source_date_epoch.hpp reads it), else 0.
std::int64_t default_mtime();

}  // namespace kiln::exporter
