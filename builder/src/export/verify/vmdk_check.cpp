#include "export/verify/vmdk_check.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "export/verify/input_file.hpp"
#include "export/vmdk_format.hpp"

namespace kiln::exporter {

namespace {

using namespace vmdk;
using verify_detail::read_at;
using verify_detail::read_string;

// A window over [base, base + size) of a file, for a sequential walk with large reads.
class Window {
public:
    Window(int fd, std::uint64_t base, std::uint64_t size) : fd_(fd), base_(base), size_(size) {}
    // Bytes [at, at + n) relative to base, or nullptr past the end / on a read error.
    const std::uint8_t* get(std::uint64_t at, std::size_t n) {
        if (at + n > size_) return nullptr;
        if (at < start_ || at + n > start_ + buffer_.size()) {
            std::size_t want = static_cast<std::size_t>(
                std::min<std::uint64_t>(std::max<std::size_t>(kWindow, n), size_ - at));
            buffer_.resize(want);
            if (!read_at(fd_, base_ + at, buffer_.data(), want)) {
                buffer_.clear();
                return nullptr;
            }
            start_ = at;
        }
        return buffer_.data() + (at - start_);
    }

private:
    static constexpr std::size_t kWindow = 8u << 20;
    int fd_;
    std::uint64_t base_, size_;
    std::uint64_t start_ = 0;
    std::vector<std::uint8_t> buffer_;
};

}  // namespace

VmdkFacts check_stream_vmdk(int fd, std::uint64_t base, std::uint64_t size, const std::string& name,
                            VerifyReport& report) {
    VmdkFacts facts;
    const std::string check = "vmdk";
    auto fault = [&](std::string what) { report.fault(check, name + ": " + what); };
    if (size < 4 * kSector || size % kSector != 0) {
        fault("size " + std::to_string(size) + " is not a whole number of sectors of a VMDK");
        return facts;
    }
    Window w(fd, base, size);
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
    facts.capacity = header.capacity * kSector;

    std::string descriptor = read_string(fd, base + header.descriptor_offset * kSector,
                                         header.descriptor_size * kSector);
    std::string problem;
    auto parsed = parse_descriptor(descriptor, &problem);
    if (!parsed)
        fault("descriptor: " + problem);
    else {
        if (parsed->create_type != "streamOptimized")
            fault("descriptor createType is '" + parsed->create_type + "', not streamOptimized");
        if (parsed->extent_sectors != header.capacity)
            fault("descriptor extent has " + std::to_string(parsed->extent_sectors) +
                  " sectors, the header " + std::to_string(header.capacity));
    }

    // Footer and end-of-stream marker: the last three sectors.
    std::uint64_t gd_offset = header.gd_offset;
    std::uint64_t end_of_data = size;
    if (header.gd_offset == kGdAtEnd) {
        const std::uint8_t* tail = w.get(size - 3 * kSector, 3 * kSector);
        if (!tail) {
            fault("cannot read the footer");
            return facts;
        }
        Marker fm = decode_marker({tail, 16});
        Header footer = decode_header({tail + kSector, kSector});
        Marker eos = decode_marker({tail + 2 * kSector, 16});
        if (eos.value != 0 || eos.size != 0 ||
            eos.type != static_cast<std::uint32_t>(MarkerType::end_of_stream)) {
            fault("the stream does not end with an end-of-stream marker (truncated?)");
            return facts;
        }
        if (fm.size != 0 || fm.type != static_cast<std::uint32_t>(MarkerType::footer)) {
            fault("no footer marker before the footer");
            return facts;
        }
        if (auto bad = check_stream_header(footer)) {
            fault("footer: " + *bad);
            return facts;
        }
        Header expected = footer;
        expected.gd_offset = header.gd_offset;
        if (!(expected == header)) fault("the footer disagrees with the header");
        gd_offset = footer.gd_offset;
        end_of_data = size - 3 * kSector;
    } else {
        report.warning(check, name +
                                  ": the header holds the grain directory offset (not the "
                                  "GD_AT_END streaming layout)");
    }

    const std::uint64_t tables = grain_table_count(facts.capacity);
    const std::uint64_t gd_bytes = directory_sectors(tables) * kSector;
    if (gd_offset == 0 || (gd_offset + 1) * kSector + gd_bytes > size + kSector) {
        fault("grain directory offset " + std::to_string(gd_offset) + " is outside the file");
        return facts;
    }
    const std::uint8_t* gd_marker = w.get((gd_offset - 1) * kSector, kSector);
    if (header.gd_offset == kGdAtEnd &&
        (!gd_marker || decode_marker({gd_marker, 16}).type !=
                           static_cast<std::uint32_t>(MarkerType::grain_directory)))
        fault("no grain directory marker before the grain directory");
    std::string gd_text = read_string(fd, base + gd_offset * kSector, gd_bytes);
    if (gd_text.size() != gd_bytes) {
        fault("cannot read the grain directory");
        return facts;
    }
    std::vector<std::uint32_t> directory(tables);
    std::memcpy(directory.data(), gd_text.data(), tables * 4);

    // Tables: grain -> sector of its marker (0 = not present).
    const std::uint64_t grains = grain_count(facts.capacity);
    std::vector<std::uint32_t> where(grains, 0);
    std::size_t table_faults = 0;
    for (std::uint64_t t = 0; t < tables; ++t) {
        if (directory[t] == 0) continue;
        std::uint64_t at = directory[t];
        if ((at + kGtSectors) * kSector > end_of_data) {
            fault("grain table " + std::to_string(t) + " points outside the file");
            ++table_faults;
            continue;
        }
        if (header.gd_offset == kGdAtEnd) {
            const std::uint8_t* m = w.get((at - 1) * kSector, kSector);
            if (!m || decode_marker({m, 16}).type !=
                          static_cast<std::uint32_t>(MarkerType::grain_table)) {
                fault("grain table " + std::to_string(t) + " has no grain table marker");
                ++table_faults;
            }
        }
        std::string gt = read_string(fd, base + at * kSector, kGtSectors * kSector);
        for (std::uint64_t i = 0; i < kGtesPerGt && t * kGtesPerGt + i < grains; ++i) {
            std::uint32_t entry;
            std::memcpy(&entry, gt.data() + i * 4, 4);
            if (entry == 1) continue;  // a zeroed grain (VMware's "zero GTE")
            where[t * kGtesPerGt + i] = entry;
        }
    }

    // The walk a streaming importer does: marker after marker from the first grain.
    libdeflate_decompressor* inflater = libdeflate_alloc_decompressor();
    std::vector<std::uint8_t> grain(kGrainBytes);
    std::vector<bool> seen(grains, false);
    std::uint64_t at = header.overhead * kSector;
    std::size_t bad_grains = 0;
    std::string first_bad;
    auto bad = [&](std::string what) {
        if (bad_grains++ == 0) first_bad = std::move(what);
    };
    bool ended = false;
    while (at + kSector <= size) {
        const std::uint8_t* m = w.get(at, 16);
        if (!m) break;
        Marker marker = decode_marker({m, 16});
        if (marker.is_grain()) {
            std::uint64_t total =
                (kGrainMarkerBytes + marker.size + kSector - 1) / kSector * kSector;
            const std::uint8_t* data =
                w.get(at, static_cast<std::size_t>(std::min<std::uint64_t>(total, size - at)));
            std::uint64_t index = marker.value / kGrainSectors;
            if (!data || at + total > end_of_data) {
                bad("the grain at byte " + std::to_string(at) + " runs past the end of the data");
                break;
            }
            if (marker.value % kGrainSectors || index >= grains) {
                bad("the grain at byte " + std::to_string(at) + " claims LBA " +
                    std::to_string(marker.value) + ", not a grain inside the disk");
            } else {
                if (seen[index]) bad("grain " + std::to_string(index) + " appears twice");
                seen[index] = true;
                if (where[index] != at / kSector)
                    bad("grain " + std::to_string(index) + " at sector " +
                        std::to_string(at / kSector) + " is not where its grain table points (" +
                        std::to_string(where[index]) + ")");
                std::size_t produced = 0;
                auto rc =
                    libdeflate_zlib_decompress(inflater, data + kGrainMarkerBytes, marker.size,
                                               grain.data(), grain.size(), &produced);
                std::uint64_t needed =
                    std::min<std::uint64_t>(kGrainBytes, facts.capacity - index * kGrainBytes);
                if (rc != LIBDEFLATE_SUCCESS && rc != LIBDEFLATE_SHORT_OUTPUT)
                    bad("grain " + std::to_string(index) +
                        " does not inflate (damaged zlib stream)");
                else if (produced < needed)
                    bad("grain " + std::to_string(index) + " inflates to " +
                        std::to_string(produced) + " bytes, not " + std::to_string(needed));
                ++facts.grains;
            }
            at += total;
            continue;
        }
        auto type = static_cast<MarkerType>(marker.type);
        if (type == MarkerType::end_of_stream) {
            ended = true;
            at += kSector;
            break;
        }
        if (type != MarkerType::grain_table && type != MarkerType::grain_directory &&
            type != MarkerType::footer) {
            bad("unknown marker type " + std::to_string(marker.type) + " at byte " +
                std::to_string(at));
            break;
        }
        at += (1 + marker.value) * kSector;
    }
    libdeflate_free_decompressor(inflater);
    if (!ended)
        fault("the marker walk does not reach an end-of-stream marker");
    else if (at != size)
        report.warning(check, name + ": " + std::to_string(size - at) +
                                  " bytes follow the end-of-stream marker");
    for (std::uint64_t g = 0; g < grains; ++g)
        if (where[g] != 0 && !seen[g]) {
            bad("grain table entry for grain " + std::to_string(g) + " points at sector " +
                std::to_string(where[g]) + ", where no grain of that LBA is");
        }
    if (bad_grains) fault(std::to_string(bad_grains) + " grain fault(s); first: " + first_bad);
    if (!bad_grains && !table_faults && ended)
        report.ok(check, name + ": streamOptimized v3, " + std::to_string(facts.capacity) +
                             " bytes virtual, " + std::to_string(facts.grains) +
                             " grains inflate, " + std::to_string(tables) +
                             " grain tables consistent, " +
                             (header.gd_offset == kGdAtEnd ? "footer and " : "") +
                             "end-of-stream marker present");
    return facts;
}

}  // namespace kiln::exporter
