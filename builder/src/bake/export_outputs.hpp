#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bake/build_record.hpp"
#include "bake/workspace.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

// Writes the plan's outputs of the built disk, each staged under a temporary name the build
// renames at the end: qcow2 with qemu-img, vmdk and ova through the export code.
class OutputWriter {
public:
    // `source_date_epoch`: the time an OVA's tar headers carry.
    OutputWriter(StagedOutputs& staged, std::filesystem::path disk, std::string disk_format,
                 bool compress_qcow2, std::int64_t source_date_epoch);

    // Returns the note beside "done" (the size written).
    std::string write(const plan::WriteOutput& output);
    const std::vector<OutputRecord>& records() const { return records_; }

private:
    OutputRecord write_qcow2(const plan::WriteOutput& output, const std::filesystem::path& temp);

    StagedOutputs& staged_;
    std::filesystem::path disk_;
    std::string disk_format_;
    bool compress_qcow2_;
    std::int64_t source_date_epoch_;
    std::vector<OutputRecord> records_;
};

}  // namespace kiln::bake
