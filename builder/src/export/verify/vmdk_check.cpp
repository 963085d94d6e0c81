#include "export/verify/vmdk_check.hpp"

#include <cstring>
#include <functional>
#include <optional>
#include <vector>

#include "export/verify/input_file.hpp"
#include "export/verify/limits.hpp"
#include "export/verify/vmdk_grains.hpp"
#include "export/vmdk_format.hpp"

namespace kiln::exporter {

namespace {

using namespace vmdk;
using namespace verify_detail;
using Fault = std::function<void(std::string)>;

// The embedded descriptor, read only once it is known to lie in the file and within the limit.
void check_descriptor(const FileWindow& w, const Header& header, const Fault& fault) {
    const std::uint64_t sectors = w.size() / kSector;
    if (header.descriptor_offset >= sectors ||
        header.descriptor_size > sectors - header.descriptor_offset) {
        fault("the descriptor (" + std::to_string(header.descriptor_size) + " sectors at sector " +
              std::to_string(header.descriptor_offset) + ") lies outside the file");
        return;
    }
    const std::uint64_t bytes = header.descriptor_size * kSector;
    if (bytes > kMaxDescriptorBytes) {
        fault("the descriptor is " + std::to_string(bytes) + " bytes, more than the limit of " +
              std::to_string(kMaxDescriptorBytes));
        return;
    }
    std::string problem;
    auto parsed = parse_descriptor(
        read_string(w.fd(), w.base() + header.descriptor_offset * kSector, bytes), &problem);
    if (!parsed) {
        fault("descriptor: " + problem);
        return;
    }
    if (parsed->create_type != "streamOptimized")
        fault("descriptor createType is '" + parsed->create_type + "', not streamOptimized");
    if (parsed->extent_sectors != header.capacity)
        fault("descriptor extent has " + std::to_string(parsed->extent_sectors) +
              " sectors, the header " + std::to_string(header.capacity));
}

// The footer and end-of-stream marker in the last three sectors (GD_AT_END layout): the footer
// repeats the header but for the grain directory's offset, which it returns.
std::optional<std::uint64_t> check_footer(FileWindow& w, const Header& header, const Fault& fault) {
    const std::uint8_t* tail = w.get(w.size() - 3 * kSector, 3 * kSector);
    if (!tail) {
        fault("cannot read the footer");
        return std::nullopt;
    }
    Marker fm = decode_marker({tail, 16});
    Header footer = decode_header({tail + kSector, kSector});
    Marker eos = decode_marker({tail + 2 * kSector, 16});
    if (eos.value != 0 || eos.size != 0 ||
        eos.type != static_cast<std::uint32_t>(MarkerType::end_of_stream)) {
        fault("the stream does not end with an end-of-stream marker (truncated?)");
        return std::nullopt;
    }
    if (fm.size != 0 || fm.type != static_cast<std::uint32_t>(MarkerType::footer)) {
        fault("no footer marker before the footer");
        return std::nullopt;
    }
    if (auto bad = check_stream_header(footer)) {
        fault("footer: " + *bad);
        return std::nullopt;
    }
    Header expected = footer;
    expected.gd_offset = header.gd_offset;
    if (!(expected == header)) fault("the footer disagrees with the header");
    return footer.gd_offset;
}

// The grain directory at `gd_offset`, after its marker in the GD_AT_END layout; nullopt and a
// fault when it does not lie whole in the file.
std::optional<std::vector<std::uint32_t>> read_directory(FileWindow& w, std::uint64_t gd_offset,
                                                         std::uint64_t tables, bool with_marker,
                                                         const Fault& fault) {
    const std::uint64_t sectors = w.size() / kSector;
    const std::uint64_t gd_sectors = directory_sectors(tables);
    if (gd_offset == 0 || gd_offset > sectors || gd_sectors > sectors - gd_offset) {
        fault("grain directory offset " + std::to_string(gd_offset) + " is outside the file");
        return std::nullopt;
    }
    const std::uint8_t* marker = w.get((gd_offset - 1) * kSector, kSector);
    if (with_marker && (!marker || decode_marker({marker, 16}).type !=
                                       static_cast<std::uint32_t>(MarkerType::grain_directory)))
        fault("no grain directory marker before the grain directory");
    std::vector<std::uint32_t> directory(tables);
    if (!read_at(w.fd(), w.base() + gd_offset * kSector, directory.data(), tables * 4)) {
        fault("cannot read the grain directory");
        return std::nullopt;
    }
    return directory;
}

}  // namespace

VmdkFacts check_stream_vmdk(int fd, std::uint64_t base, std::uint64_t size, const std::string& name,
                            VerifyReport& report) {
    VmdkFacts facts;
    const std::string check = "vmdk";
    Fault fault = [&](std::string what) { report.fault(check, name + ": " + what); };
    if (size < 4 * kSector || size % kSector != 0) {
        fault("size " + std::to_string(size) + " is not a whole number of sectors of a VMDK");
        return facts;
    }
    FileWindow w(fd, base, size);
    const std::uint8_t* p = w.get(0, kSector);
    if (!p) {
        fault("cannot read the header");
        return facts;
    }
    Header header = decode_header({p, kSector});
    if (auto problem = check_stream_header(header)) {
        fault(*problem);
        return facts;
    }
    facts.capacity = header.capacity * kSector;  // at most kMaxCapacityBytes
    check_descriptor(w, header, fault);
    if (header.overhead >= size / kSector) {
        fault("the first grain (sector " + std::to_string(header.overhead) +
              ") is past the end of the file");
        return facts;
    }

    GrainLayout layout;
    layout.capacity = facts.capacity;
    layout.first_grain = header.overhead * kSector;
    layout.end_of_data = size;
    layout.table_markers = header.gd_offset == kGdAtEnd;
    std::uint64_t gd_offset = header.gd_offset;
    if (layout.table_markers) {
        auto at = check_footer(w, header, fault);
        if (!at) return facts;
        gd_offset = *at;
        layout.end_of_data = size - 3 * kSector;
    } else {
        report.warning(check, name +
                                  ": the header holds the grain directory offset (not the "
                                  "GD_AT_END streaming layout)");
    }
    const std::uint64_t tables = grain_table_count(facts.capacity);
    auto directory = read_directory(w, gd_offset, tables, layout.table_markers, fault);
    if (!directory) return facts;
    layout.directory = std::move(*directory);

    GrainFindings found = check_grains(w, layout);
    facts.grains = found.grains;
    if (found.tables.count)
        fault(std::to_string(found.tables.count) +
              " grain table fault(s); first: " + found.tables.first);
    if (found.stopped) fault(*found.stopped);
    if (!found.ended)
        fault("the marker walk does not reach an end-of-stream marker");
    else if (found.end != size)
        report.warning(check, name + ": " + std::to_string(size - found.end) +
                                  " bytes follow the end-of-stream marker");
    if (found.grain_faults.count)
        fault(std::to_string(found.grain_faults.count) +
              " grain fault(s); first: " + found.grain_faults.first);
    if (!found.grain_faults.count && !found.tables.count && found.ended)
        report.ok(check,
                  name + ": streamOptimized v3, " + std::to_string(facts.capacity) +
                      " bytes virtual, " + std::to_string(facts.grains) + " grains inflate, " +
                      std::to_string(tables) + " grain tables consistent, " +
                      (layout.table_markers ? "footer and " : "") + "end-of-stream marker present");
    return facts;
}

}  // namespace kiln::exporter
