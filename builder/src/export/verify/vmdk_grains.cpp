#include "export/verify/vmdk_grains.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "export/verify/limits.hpp"
#include "export/vmdk_format.hpp"

namespace kiln::exporter::verify_detail {

namespace {

using namespace vmdk;

// A grain marker the walk found.
struct FoundGrain {
    std::uint32_t grain;   // its LBA / 128; below 2^30 within kMaxCapacityBytes
    std::uint32_t sector;  // of its marker; grain tables hold 32-bit sectors
};

std::string at_byte(std::uint64_t at) {
    return " at byte " + std::to_string(at);
}

class MarkerWalk {
public:
    MarkerWalk(FileWindow& w, const GrainLayout& layout, GrainFindings& out)
        : w_(w), layout_(layout), out_(out), grains_(grain_count(layout.capacity)) {}

    // Every grain marker the walk passes whose LBA is a grain of the disk.
    std::vector<FoundGrain> run() {
        const std::uint64_t size = w_.size();
        std::uint64_t at = layout_.first_grain;
        while (at + kSector <= size) {
            const std::uint8_t* m = w_.get(at, 16);
            if (!m) break;
            Marker marker = decode_marker({m, 16});
            if (marker.is_grain()) {
                if (!grain(at, marker)) break;
                at += (kGrainMarkerBytes + marker.size + kSector - 1) / kSector * kSector;
                continue;
            }
            auto type = static_cast<MarkerType>(marker.type);
            if (type == MarkerType::end_of_stream) {
                out_.ended = true;
                at += kSector;
                break;
            }
            if (type != MarkerType::grain_table && type != MarkerType::grain_directory &&
                type != MarkerType::footer) {
                out_.grain_faults.add("unknown marker type " + std::to_string(marker.type) +
                                      at_byte(at));
                break;
            }
            // The marker's sector, then `value` sectors of metadata, all inside the file.
            if (marker.value >= (size - at) / kSector) {
                out_.stopped = "the marker" + at_byte(at) + " claims " +
                               std::to_string(marker.value) + " sectors, past the end of the file";
                break;
            }
            at += (1 + marker.value) * kSector;
        }
        out_.end = at;
        return std::move(found_);
    }

private:
    // False when the walk cannot go past this grain.
    bool grain(std::uint64_t at, const Marker& marker) {
        if (marker.size > kMaxCompressedGrainBytes) {
            out_.grain_faults.add("the grain" + at_byte(at) + " claims " +
                                  std::to_string(marker.size) +
                                  " compressed bytes, more than the limit of " +
                                  std::to_string(kMaxCompressedGrainBytes));
            return false;
        }
        std::uint64_t total = (kGrainMarkerBytes + marker.size + kSector - 1) / kSector * kSector;
        const std::uint8_t* data = w_.get(at, static_cast<std::size_t>(total));
        if (!data || at + total > layout_.end_of_data) {
            out_.grain_faults.add("the grain" + at_byte(at) + " runs past the end of the data");
            return false;
        }
        std::uint64_t index = marker.value / kGrainSectors;
        if (marker.value % kGrainSectors || index >= grains_) {
            out_.grain_faults.add("the grain" + at_byte(at) + " claims LBA " +
                                  std::to_string(marker.value) + ", not a grain inside the disk");
            return true;
        }
        std::uint64_t sector = at / kSector;
        if (sector > std::numeric_limits<std::uint32_t>::max())
            out_.grain_faults.add("grain " + std::to_string(index) + " at sector " +
                                  std::to_string(sector) +
                                  " is beyond the sectors a grain table can point at");
        else
            found_.push_back(
                {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(sector)});
        std::size_t produced = 0;
        auto rc = libdeflate_zlib_decompress(inflater_.get(), data + kGrainMarkerBytes, marker.size,
                                             buffer_.data(), buffer_.size(), &produced);
        std::uint64_t needed =
            std::min<std::uint64_t>(kGrainBytes, layout_.capacity - index * kGrainBytes);
        if (rc != LIBDEFLATE_SUCCESS && rc != LIBDEFLATE_SHORT_OUTPUT)
            out_.grain_faults.add("grain " + std::to_string(index) +
                                  " does not inflate (damaged zlib stream)");
        else if (produced < needed)
            out_.grain_faults.add("grain " + std::to_string(index) + " inflates to " +
                                  std::to_string(produced) + " bytes, not " +
                                  std::to_string(needed));
        ++out_.grains;
        return true;
    }

    struct FreeInflater {
        void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
    };

    FileWindow& w_;
    const GrainLayout& layout_;
    GrainFindings& out_;
    const std::uint64_t grains_;
    std::vector<FoundGrain> found_;
    std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(kGrainBytes);
    std::unique_ptr<libdeflate_decompressor, FreeInflater> inflater_{
        libdeflate_alloc_decompressor()};
};

// The tables the directory points at that can be read: inside the data, and each at a sector of
// its own (tables without their marker are faults but still read, as importers read them).
// Ascending table numbers.
std::vector<std::uint32_t> sound_tables(const FileWindow& w, const GrainLayout& layout,
                                        FaultTally& faults) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> placed;  // sector, table
    for (std::size_t t = 0; t < layout.directory.size(); ++t) {
        std::uint64_t at = layout.directory[t];
        if (at == 0) continue;
        if ((at + kGtSectors) * kSector > layout.end_of_data) {
            faults.add("grain table " + std::to_string(t) + " points outside the file");
            continue;
        }
        std::uint8_t marker[16];
        if (layout.table_markers &&
            (!read_at(w.fd(), w.base() + (at - 1) * kSector, marker, sizeof marker) ||
             decode_marker(marker).type != static_cast<std::uint32_t>(MarkerType::grain_table)))
            faults.add("grain table " + std::to_string(t) + " has no grain table marker");
        placed.emplace_back(static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(t));
    }
    std::sort(placed.begin(), placed.end());
    std::vector<std::uint32_t> sound;
    for (std::size_t i = 0; i < placed.size(); ++i) {
        if (i > 0 && placed[i].first == placed[i - 1].first) {
            faults.add("grain tables " + std::to_string(placed[i - 1].second) + " and " +
                       std::to_string(placed[i].second) + " are both at sector " +
                       std::to_string(placed[i].first));
            continue;
        }
        sound.push_back(placed[i].second);
    }
    std::sort(sound.begin(), sound.end());
    return sound;
}

// Each grain found is where its table entry points, and each entry points at a grain of its LBA
// (found somewhere): the entries in grain order, merged with the grains found sorted that way.
void match_tables(const FileWindow& w, const GrainLayout& layout, std::vector<FoundGrain>& found,
                  GrainFindings& out) {
    std::sort(found.begin(), found.end(), [](const FoundGrain& a, const FoundGrain& b) {
        return a.grain != b.grain ? a.grain < b.grain : a.sector < b.sector;
    });
    for (std::size_t k = 1; k < found.size(); ++k)
        if (found[k].grain == found[k - 1].grain)
            out.grain_faults.add("grain " + std::to_string(found[k].grain) + " appears twice");
    auto misplaced = [&](const FoundGrain& f, std::uint32_t entry) {
        out.grain_faults.add("grain " + std::to_string(f.grain) + " at sector " +
                             std::to_string(f.sector) + " is not where its grain table points (" +
                             std::to_string(entry) + ")");
    };
    const std::uint64_t grains = grain_count(layout.capacity);
    std::size_t k = 0;
    std::uint32_t table[kGtesPerGt];
    for (std::uint32_t t : sound_tables(w, layout, out.tables)) {
        if (!read_at(w.fd(), w.base() + std::uint64_t{layout.directory[t]} * kSector, table,
                     sizeof table))
            std::memset(table, 0, sizeof table);
        for (std::uint64_t i = 0; i < kGtesPerGt && t * kGtesPerGt + i < grains; ++i) {
            const std::uint64_t g = t * kGtesPerGt + i;
            const std::uint32_t entry = table[i] == 1 ? 0 : table[i];  // 1: VMware's zero grain
            for (; k < found.size() && found[k].grain < g; ++k) misplaced(found[k], 0);
            bool seen = false;
            for (; k < found.size() && found[k].grain == g; ++k) {
                seen = true;
                if (found[k].sector != entry) misplaced(found[k], entry);
            }
            if (entry != 0 && !seen)
                out.grain_faults.add("grain table entry for grain " + std::to_string(g) +
                                     " points at sector " + std::to_string(entry) +
                                     ", where no grain of that LBA is");
        }
    }
    for (; k < found.size(); ++k) misplaced(found[k], 0);
}

}  // namespace

GrainFindings check_grains(FileWindow& window, const GrainLayout& layout) {
    GrainFindings out;
    std::vector<FoundGrain> found = MarkerWalk(window, layout, out).run();
    match_tables(window, layout, found, out);
    return out;
}

}  // namespace kiln::exporter::verify_detail
