#include "export/verify.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <ranges>
#include <set>
#include <sstream>

#include "export/digest.hpp"
#include "export/ova_manifest.hpp"
#include "export/ovf.hpp"
#include "export/signature.hpp"
#include "export/vmdk_format.hpp"
#include "kiln/error.hpp"

namespace kiln::exporter {

namespace {

using namespace vmdk;

class File {
public:
    explicit File(const std::filesystem::path& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0)
            throw InvalidInput("cannot open " + path.string() + ": " + std::strerror(errno));
        struct stat st {};
        ::fstat(fd_, &st);
        if (!S_ISREG(st.st_mode)) throw InvalidInput(path.string() + " is not a regular file");
        size_ = static_cast<std::uint64_t>(st.st_size);
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~File() { ::close(fd_); }
    int fd() const { return fd_; }
    std::uint64_t size() const { return size_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

// Reads exactly n bytes at offset; false at end of file or on error.
bool read_at(int fd, std::uint64_t offset, void* out, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(out);
    while (n > 0) {
        ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        offset += static_cast<std::uint64_t>(r);
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

std::string read_string(int fd, std::uint64_t offset, std::uint64_t n) {
    std::string s(n, '\0');
    if (!read_at(fd, offset, s.data(), n)) s.clear();
    return s;
}

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

std::string hex_short(const std::string& hex) {
    return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex;
}

// ---- USTAR ---------------------------------------------------------------------------------

struct Member {
    std::string name;
    std::uint64_t header = 0;  // offset of its header block
    std::uint64_t data = 0;    // offset of its data
    std::uint64_t size = 0;
    char type = '0';
    std::uint64_t uid = 0, gid = 0;
};

std::optional<std::uint64_t> octal(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    std::size_t i = 0;
    while (i < n && p[i] == ' ') ++i;
    bool any = false;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) v = v * 8 + (p[i] - '0'), any = true;
    for (; i < n; ++i)
        if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
    return any ? std::optional(v) : std::optional<std::uint64_t>(0);
}

std::string field(const std::uint8_t* p, std::size_t n) {
    std::size_t len = 0;
    while (len < n && p[len]) ++len;
    return std::string(reinterpret_cast<const char*>(p), len);
}

std::vector<Member> read_tar(const File& file, VerifyReport& report) {
    std::vector<Member> members;
    std::uint64_t at = 0;
    std::uint8_t h[512];
    bool ended = false;
    while (at + 512 <= file.size()) {
        if (!read_at(file.fd(), at, h, 512)) break;
        if (std::all_of(h, h + 512, [](std::uint8_t b) { return b == 0; })) {
            ended = true;
            break;
        }
        unsigned sum = 0;
        for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
        auto stored = octal(h + 148, 8);
        if (!stored || *stored != sum) {
            report.fault("tar", "the header at byte " + std::to_string(at) +
                                    " has a bad checksum (not a tar archive, or damaged)");
            return {};
        }
        if (std::memcmp(h + 257,
                        "ustar\0"
                        "00",
                        8) != 0)
            report.fault("tar", "the header at byte " + std::to_string(at) +
                                    " is not USTAR ('ustar\\0' '00')");
        Member m;
        std::string prefix = field(h + 345, 155);
        m.name = (prefix.empty() ? "" : prefix + "/") + field(h, 100);
        m.type = static_cast<char>(h[156]);
        auto size = octal(h + 124, 12);
        m.uid = octal(h + 108, 8).value_or(~0ULL);
        m.gid = octal(h + 116, 8).value_or(~0ULL);
        if (!size) {
            report.fault("tar", "member '" + m.name + "' has an unreadable size");
            return {};
        }
        m.size = *size;
        m.header = at;
        m.data = at + 512;
        if (m.data + m.size > file.size()) {
            report.fault("tar", "member '" + m.name + "' is truncated (" + std::to_string(m.size) +
                                    " bytes announced, the file ends first)");
            return {};
        }
        members.push_back(m);
        at = m.data + (m.size + 511) / 512 * 512;
    }
    if (!ended) report.fault("tar", "the archive has no end-of-archive blocks (truncated?)");
    return members;
}

// ---- checks --------------------------------------------------------------------------------

std::string member_digest(int fd, const Member& m, DigestKind kind) {
    Digest d(kind);
    std::vector<std::uint8_t> buffer(4u << 20);
    for (std::uint64_t done = 0; done < m.size;) {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), m.size - done));
        if (!read_at(fd, m.data + done, buffer.data(), n)) return {};
        d.update({buffer.data(), n});
        done += n;
    }
    return d.hex();
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct OvfFacts {
    std::vector<std::pair<std::string, std::uint64_t>> files;  // href, size in References order
    std::map<std::string, std::uint64_t> disk_capacity;        // href -> capacity bytes
};

std::optional<std::uint64_t> parse_u64(const char* text) {
    if (!text || !*text) return std::nullopt;
    std::uint64_t v = 0;
    for (const char* p = text; *p; ++p) {
        if (*p < '0' || *p > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(*p - '0');
    }
    return v;
}

std::uint64_t allocation_multiplier(const std::string& units) {
    if (units.empty() || units == "byte") return 1;
    if (units == "byte * 2^10") return 1ULL << 10;
    if (units == "byte * 2^20") return 1ULL << 20;
    if (units == "byte * 2^30") return 1ULL << 30;
    if (units == "byte * 2^40") return 1ULL << 40;
    return 0;
}

// Local names, so that any namespace prefix works.
pugi::xml_node child(pugi::xml_node parent, const char* local) {
    for (pugi::xml_node n : parent.children()) {
        std::string name = n.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) return n;
    }
    return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node parent, const char* local) {
    std::vector<pugi::xml_node> out;
    for (pugi::xml_node n : parent.children()) {
        std::string name = n.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) out.push_back(n);
    }
    return out;
}

const char* attr(pugi::xml_node n, const char* local) {
    for (pugi::xml_attribute a : n.attributes()) {
        std::string name = a.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) return a.value();
    }
    return nullptr;
}

OvfFacts check_ovf(const std::string& text, const std::string& name, VerifyReport& report) {
    OvfFacts facts;
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
    if (!parsed) {
        report.fault("ovf", name + " is not well-formed XML: " + std::string(parsed.description()) +
                                " at byte " + std::to_string(parsed.offset));
        return facts;
    }
    pugi::xml_node env = doc.document_element();
    if (std::string(env.name()).find("Envelope") == std::string::npos) {
        report.fault("ovf",
                     "the root element is <" + std::string(env.name()) + ">, not <Envelope>");
        return facts;
    }
    bool ovf1 = false;
    for (pugi::xml_attribute a : env.attributes())
        if (std::string(a.value()) == "http://schemas.dmtf.org/ovf/envelope/1") ovf1 = true;
    if (!ovf1) report.fault("ovf", "the envelope does not use the OVF 1.x namespace");

    std::map<std::string, std::string> file_ids;  // id -> href
    for (pugi::xml_node f : children(child(env, "References"), "File")) {
        const char* href = attr(f, "href");
        const char* id = attr(f, "id");
        auto size = parse_u64(attr(f, "size"));
        if (!href || !id) {
            report.fault("ovf", "a References/File lacks ovf:href or ovf:id");
            continue;
        }
        if (!size)
            report.fault("ovf", std::string("References/File ") + href + " has no exact ovf:size");
        file_ids[id] = href;
        facts.files.emplace_back(href, size.value_or(~0ULL));
    }
    if (facts.files.empty()) report.fault("ovf", "References lists no files");

    pugi::xml_node disks = child(env, "DiskSection");
    std::set<std::string> disk_ids;
    for (pugi::xml_node d : children(disks, "Disk")) {
        const char* id = attr(d, "diskId");
        const char* ref = attr(d, "fileRef");
        const char* format = attr(d, "format");
        auto capacity = parse_u64(attr(d, "capacity"));
        const char* units_text = attr(d, "capacityAllocationUnits");
        std::uint64_t units = allocation_multiplier(units_text ? units_text : "");
        if (id) disk_ids.insert(id);
        if (!ref || !file_ids.count(ref)) {
            report.fault("ovf",
                         std::string("Disk ") + (id ? id : "?") + " refers to no References/File");
            continue;
        }
        if (!format || std::string(format) != kStreamOptimizedUri)
            report.fault("ovf",
                         std::string("Disk ") + (id ? id : "?") + " format is not streamOptimized");
        if (!capacity || units == 0)
            report.fault("ovf",
                         std::string("Disk ") + (id ? id : "?") + " has no usable ovf:capacity");
        else
            facts.disk_capacity[file_ids[ref]] = *capacity * units;
    }
    if (disk_ids.empty()) report.fault("ovf", "DiskSection lists no disks");
    if (!child(env, "NetworkSection")) report.fault("ovf", "no NetworkSection");

    pugi::xml_node vs = child(env, "VirtualSystem");
    if (!vs) {
        report.fault("ovf", "no VirtualSystem");
        return facts;
    }
    pugi::xml_node os = child(vs, "OperatingSystemSection");
    if (!os || !attr(os, "osType"))
        report.fault("ovf", "OperatingSystemSection with vmw:osType is missing");
    pugi::xml_node hw = child(vs, "VirtualHardwareSection");
    if (!hw) {
        report.fault("ovf", "no VirtualHardwareSection");
        return facts;
    }
    const char* transport = attr(hw, "transport");
    if (!transport || std::string(transport).find("com.vmware.guestInfo") == std::string::npos)
        report.fault("ovf", "VirtualHardwareSection lacks ovf:transport=\"com.vmware.guestInfo\"");
    std::string system_type = child(child(hw, "System"), "VirtualSystemType").text().get();
    if (system_type.rfind("vmx-", 0) != 0)
        report.fault("ovf", "VirtualSystemType '" + system_type + "' is not vmx-N");
    int disks_attached = 0;
    for (pugi::xml_node item : children(hw, "Item")) {
        std::string type = child(item, "ResourceType").text().get();
        if (type != "17") continue;
        std::string host = child(item, "HostResource").text().get();
        std::string id = host.substr(host.rfind('/') + 1);
        if (!disk_ids.count(id))
            report.fault("ovf",
                         "a disk Item points at '" + host + "', which DiskSection does not define");
        ++disks_attached;
    }
    if (disks_attached == 0) report.fault("ovf", "no disk is attached in VirtualHardwareSection");
    int properties = 0, secrets = 0;
    for (pugi::xml_node product : children(vs, "ProductSection"))
        for (pugi::xml_node p : children(product, "Property")) {
            if (!attr(p, "key")) report.fault("ovf", "a Property lacks ovf:key");
            ++properties;
            if (const char* pw = attr(p, "password"); pw && std::string(pw) == "true") ++secrets;
        }
    report.ok("ovf", name + ": well-formed OVF 1.x, " + system_type + ", " +
                         std::to_string(facts.files.size()) + " file(s), " +
                         std::to_string(properties) + " vApp properties (" +
                         std::to_string(secrets) + " secret)");
    return facts;
}

}  // namespace

// ---- VMDK ----------------------------------------------------------------------------------

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

// ---- reports -------------------------------------------------------------------------------

std::size_t VerifyReport::faults() const {
    return static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(),
                      [](const Finding& f) { return f.outcome == Outcome::fault; }));
}

std::string VerifyReport::format() const {
    std::ostringstream out;
    std::size_t warnings = 0;
    for (const auto& f : findings) {
        std::string tag = f.outcome == Outcome::fault ? "FAULT" : to_string(f.outcome);
        if (f.outcome == Outcome::warning) ++warnings;
        out << fmt::format("  {:<7} {}: {}\n", tag, f.check, f.detail);
    }
    std::size_t n = faults();
    out << path.string() << ": " << (n ? "INVALID" : "valid") << " (" << n << " fault"
        << (n == 1 ? "" : "s") << ", " << warnings << " warning" << (warnings == 1 ? "" : "s")
        << ")\n";
    return out.str();
}

nlohmann::json VerifyReport::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : findings)
        list.push_back(
            {{"outcome", to_string(f.outcome)}, {"check", f.check}, {"detail", f.detail}});
    return {{"path", path.string()}, {"valid", passed()}, {"faults", faults()}, {"findings", list}};
}

VerifyReport verify_vmdk(const std::filesystem::path& path) {
    VerifyReport report;
    report.path = path;
    File file(path);
    check_stream_vmdk(file.fd(), 0, file.size(), path.filename().string(), report);
    return report;
}

VerifyReport verify_ova(const std::filesystem::path& path) {
    VerifyReport report;
    report.path = path;
    File file(path);
    std::vector<Member> members = read_tar(file, report);
    if (members.empty()) {
        if (report.passed()) report.fault("tar", "the archive holds no members");
        return report;
    }
    // USTAR basics.
    bool tar_ok = report.passed();
    for (const auto& m : members) {
        if (m.type != '0' && m.type != '\0') {
            report.fault("tar", "member '" + m.name + "' is not a regular file (type '" +
                                    std::string(1, m.type) + "')");
            tar_ok = false;
        }
        if (m.name.find('/') != std::string::npos) {
            report.fault("tar", "member '" + m.name + "' is not a flat name");
            tar_ok = false;
        }
        if (m.uid != 0 || m.gid != 0)
            report.warning("tar", "member '" + m.name + "' is not owned by uid/gid 0");
    }
    if (tar_ok) report.ok("tar", std::to_string(members.size()) + " USTAR members");

    // Order: .ovf, .mf, optional .cert, then the disks.
    std::string order =
        fmt::to_string(fmt::join(members | std::views::transform(&Member::name), ", "));
    const Member* ovf = nullptr;
    const Member* mf = nullptr;
    const Member* cert = nullptr;
    int ovf_count = 0;
    for (const auto& m : members) {
        if (ends_with(m.name, ".ovf"))
            ++ovf_count, ovf = ovf ? ovf : &m;
        else if (ends_with(m.name, ".mf"))
            mf = mf ? mf : &m;
        else if (ends_with(m.name, ".cert"))
            cert = cert ? cert : &m;
    }
    bool order_ok = true;
    if (!ends_with(members[0].name, ".ovf")) {
        report.fault("order", "the first member is '" + members[0].name +
                                  "', VMware needs the .ovf first (" + order + ")");
        order_ok = false;
    }
    if (ovf_count != 1) {
        report.fault("order", std::to_string(ovf_count) + " .ovf members, expected exactly 1");
        order_ok = false;
    }
    if (mf && &members[1] != mf) {
        report.fault("order", "the manifest is not the second member (" + order + ")");
        order_ok = false;
    }
    if (cert && (!mf || cert != mf + 1)) {
        report.fault("order", "the .cert does not directly follow the manifest (" + order + ")");
        order_ok = false;
    }
    if (!mf) report.fault("manifest", "the OVA has no .mf manifest");

    // OVF.
    OvfFacts facts;
    std::string ovf_text;
    if (ovf) {
        ovf_text = read_string(file.fd(), ovf->data, ovf->size);
        facts = check_ovf(ovf_text, ovf->name, report);
        std::size_t expected = 1 + (mf ? 1 : 0) + (cert ? 1 : 0);
        for (std::size_t i = 0; i < facts.files.size(); ++i) {
            const auto& [href, size] = facts.files[i];
            auto it = std::find_if(members.begin(), members.end(),
                                   [&](const Member& m) { return m.name == href; });
            if (it == members.end()) {
                report.fault("ovf",
                             "References names '" + href + "', which the OVA does not contain");
                continue;
            }
            if (it->size != size)
                report.fault("ovf", "References says " + href + " has " + std::to_string(size) +
                                        " bytes, the member has " + std::to_string(it->size));
            if (static_cast<std::size_t>(it - members.begin()) != expected + i) {
                report.fault("order",
                             href +
                                 " is not in References order after the descriptor and manifest (" +
                                 order + ")");
                order_ok = false;
            }
        }
        if (members.size() != 1 + (mf ? 1 : 0) + (cert ? 1 : 0) + facts.files.size())
            report.warning("order",
                           "the OVA holds members the OVF does not reference (" + order + ")");
    }
    if (order_ok) report.ok("order", order);

    // Manifest.
    std::string mf_text;
    if (mf) {
        mf_text = read_string(file.fd(), mf->data, mf->size);
        std::vector<std::string> problems;
        std::vector<ManifestEntry> entries = parse_manifest(mf_text, problems);
        for (const auto& p : problems) report.fault("manifest", mf->name + " " + p);
        std::set<std::string> listed;
        bool digests_ok = problems.empty();
        for (const auto& e : entries) {
            if (!listed.insert(e.name).second) {
                report.fault("manifest", e.name + " is listed twice");
                digests_ok = false;
                continue;
            }
            auto it = std::find_if(members.begin(), members.end(),
                                   [&](const Member& m) { return m.name == e.name; });
            if (it == members.end()) {
                report.fault("manifest",
                             "the manifest lists '" + e.name + "', which the OVA does not contain");
                digests_ok = false;
                continue;
            }
            std::string actual = member_digest(file.fd(), *it, e.kind);
            if (actual != e.hex) {
                report.fault("manifest", to_string(e.kind) + " of " + e.name + " is " +
                                             hex_short(actual) + ", the manifest says " +
                                             hex_short(e.hex));
                digests_ok = false;
            }
            if (e.kind == DigestKind::sha1)
                report.warning("manifest", e.name + " uses SHA1 (vSphere 7+ rejects it)");
        }
        for (const auto& m : members)
            if (&m != mf && &m != cert && !listed.count(m.name)) {
                report.fault("manifest", m.name + " is not in the manifest");
                digests_ok = false;
            }
        if (digests_ok) report.ok("manifest", std::to_string(entries.size()) + " digests match");
    }

    // Signature.
    if (cert) {
        if (!mf)
            report.fault("signature", "a .cert without a manifest");
        else {
            SignatureCheck s = verify_manifest_signature(
                read_string(file.fd(), cert->data, cert->size), mf_text, mf->name);
            if (s.valid)
                report.ok(
                    "signature",
                    "the manifest signature verifies with " + s.subject +
                        (s.self_signed ? " (self-signed: vSphere will call it untrusted)" : ""));
            else
                report.fault("signature", cert->name + ": " + s.problem);
        }
    }

    // Disks.
    for (const auto& [href, size] : facts.files) {
        auto it = std::find_if(members.begin(), members.end(),
                               [&](const Member& m) { return m.name == href; });
        if (it == members.end() || !ends_with(href, ".vmdk")) continue;
        VmdkFacts v = check_stream_vmdk(file.fd(), it->data, it->size, href, report);
        auto cap = facts.disk_capacity.find(href);
        if (v.capacity && cap != facts.disk_capacity.end() && cap->second != v.capacity)
            report.fault("ovf", "DiskSection capacity of " + href + " is " +
                                    std::to_string(cap->second) + " bytes, the VMDK holds " +
                                    std::to_string(v.capacity));
    }
    return report;
}

}  // namespace kiln::exporter
