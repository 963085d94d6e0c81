#include "export/source_disk.hpp"

#include <fcntl.h>
#include <libnbd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "kiln/error.hpp"
#include "kiln/process.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::exporter {

namespace {

void append_extent(std::vector<Extent>& list, std::uint64_t offset, std::uint64_t length) {
    if (length == 0) return;
    if (!list.empty() && list.back().offset + list.back().length == offset)
        list.back().length += length;
    else
        list.push_back({offset, length});
}

// Where a guest range lives in the image file.
struct Mapped {
    std::uint64_t guest = 0;
    std::uint64_t length = 0;
    std::uint64_t host = 0;
};

// A disk read straight from its file: raw (guest offset = file offset, holes from SEEK_DATA), or
// an uncompressed qcow2 without backing file whose data clusters `qemu-img map` located. No
// other process and no socket between the file and the compressors.
class FileSource final : public SourceDisk {
public:
    FileSource(const std::filesystem::path& path, std::string format, std::uint64_t size,
               std::vector<Mapped> map = {})
        : path_(path),
          format_(std::move(format)),
          map_(std::move(map)),
          fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (!fd_) throw SystemError("cannot open disk " + path.string(), errno);
        struct stat st {};
        ::fstat(fd_.get(), &st);
        file_size_ = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : size;
        size_ = (size + 511) / 512 * 512;  // QEMU presents whole sectors
        ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    }

    std::uint64_t size() const override { return size_; }
    const std::string& format() const override { return format_; }

    std::vector<Extent> data_extents() override {
        std::vector<Extent> list;
        if (format_ != "raw") {
            for (const auto& m : map_) append_extent(list, m.guest, m.length);
            return list;
        }
        off_t position = 0;
        const auto end = static_cast<off_t>(file_size_);
        while (position < end) {
            off_t data = ::lseek(fd_.get(), position, SEEK_DATA);
            if (data < 0) {
                if (errno == ENXIO) break;  // only a hole remains
                // No SEEK_DATA here (an old filesystem, a device): everything may hold data.
                list.clear();
                append_extent(list, 0, file_size_);
                return list;
            }
            off_t hole = ::lseek(fd_.get(), data, SEEK_HOLE);
            if (hole < 0) hole = end;
            append_extent(list, static_cast<std::uint64_t>(data),
                          static_cast<std::uint64_t>(std::min(hole, end) - data));
            position = hole;
        }
        return list;
    }

    void read(std::uint64_t offset, std::span<std::uint8_t> out) override {
        if (format_ == "raw") return read_file(offset, out);
        // Guest to host, extent by extent; anything outside the map reads as zeros.
        auto it = std::upper_bound(map_.begin(), map_.end(), offset,
                                   [](std::uint64_t v, const Mapped& m) { return v < m.guest; });
        if (it != map_.begin()) --it;
        std::size_t done = 0;
        while (done < out.size()) {
            std::uint64_t at = offset + done;
            while (it != map_.end() && it->guest + it->length <= at) ++it;
            std::size_t n = out.size() - done;
            if (it == map_.end() || it->guest > at) {
                if (it != map_.end()) n = std::min<std::uint64_t>(n, it->guest - at);
                std::memset(out.data() + done, 0, n);
            } else {
                n = std::min<std::uint64_t>(n, it->guest + it->length - at);
                read_file(it->host + (at - it->guest), out.subspan(done, n));
            }
            done += n;
        }
    }

private:
    void read_file(std::uint64_t offset, std::span<std::uint8_t> out) {
        std::size_t done = 0;
        while (done < out.size()) {
            std::uint64_t at = offset + done;
            if (at >= file_size_) {  // the partial last sector beyond the end of the file
                std::memset(out.data() + done, 0, out.size() - done);
                return;
            }
            ssize_t n =
                ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(at));
            if (n < 0) {
                if (errno == EINTR) continue;
                throw SystemError("cannot read disk " + path_.string(), errno);
            }
            if (n == 0) {
                throw Error("disk " + path_.string() + " became shorter while it was being read");
            }
            done += static_cast<std::size_t>(n);
        }
    }

    std::filesystem::path path_;
    std::string format_;
    std::vector<Mapped> map_;  // sorted by guest offset; qcow2 only
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t file_size_ = 0;
};

class NbdSource final : public SourceDisk {
public:
    NbdSource(const std::filesystem::path& path, std::string format)
        : path_(path), format_(std::move(format)) {
        handle_ = nbd_create();
        if (!handle_) fail("cannot create an NBD handle");
        nbd_set_handle_name(handle_, "kiln-export");
        if (nbd_add_meta_context(handle_, LIBNBD_CONTEXT_BASE_ALLOCATION) < 0)
            fail("cannot request block status");
        std::string format_option = "--format=" + format_;
        std::string file = path.string();
        // Socket activation: a private socket, and qemu-nbd ends when the handle closes.
        const char* argv[] = {"qemu-nbd",      "--read-only", format_option.c_str(),
                              "--aio=threads", file.c_str(),  nullptr};
        if (nbd_connect_systemd_socket_activation(handle_, const_cast<char**>(argv)) < 0)
            fail("cannot serve disk " + file + " with qemu-nbd");
        int64_t size = nbd_get_size(handle_);
        if (size < 0) fail("cannot read the size of disk " + file);
        size_ = static_cast<std::uint64_t>(size);
        has_status_ = nbd_can_meta_context(handle_, LIBNBD_CONTEXT_BASE_ALLOCATION) == 1;
    }

    ~NbdSource() override {
        if (handle_) {
            nbd_shutdown(handle_, 0);
            nbd_close(handle_);
        }
    }

    std::uint64_t size() const override { return size_; }
    const std::string& format() const override { return format_; }

    std::vector<Extent> data_extents() override {
        std::vector<Extent> list;
        if (!has_status_) {
            append_extent(list, 0, size_);
            return list;
        }
        struct Walk {
            std::vector<Extent>* list;
            std::uint64_t next;
        } walk{&list, 0};
        while (walk.next < size_) {
            std::uint64_t start = walk.next;
            std::uint64_t count = std::min<std::uint64_t>(size_ - start, 1ULL << 30);
            nbd_extent_callback callback{
                [](void* user, const char* context, uint64_t offset, uint32_t* entries,
                   size_t count_entries, int*) -> int {
                    if (std::strcmp(context, LIBNBD_CONTEXT_BASE_ALLOCATION) != 0) return 0;
                    auto* w = static_cast<Walk*>(user);
                    std::uint64_t at = offset;
                    for (std::size_t i = 0; i + 1 < count_entries; i += 2) {
                        std::uint64_t length = entries[i];
                        if (!(entries[i + 1] & LIBNBD_STATE_ZERO))
                            append_extent(*w->list, at, length);
                        at += length;
                    }
                    w->next = std::max(w->next, at);
                    return 0;
                },
                &walk, nullptr};
            if (nbd_block_status(handle_, count, start, callback, 0) < 0)
                fail("cannot read the allocation map of disk " + path_.string());
            if (walk.next <= start) fail("qemu-nbd returned no block status");
        }
        for (auto& e : list) e.length = std::min(e.length, size_ - e.offset);
        return list;
    }

    void read(std::uint64_t offset, std::span<std::uint8_t> out) override {
        constexpr std::size_t kMaxRequest = 32u << 20;
        for (std::size_t done = 0; done < out.size();) {
            std::size_t n = std::min(out.size() - done, kMaxRequest);
            if (nbd_pread(handle_, out.data() + done, n, offset + done, 0) < 0)
                fail("cannot read disk " + path_.string());
            done += n;
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) {
        const char* reason = nbd_get_error();
        throw Error(what + (reason ? std::string(": ") + reason : std::string()));
    }

    std::filesystem::path path_;
    std::string format_;
    nbd_handle* handle_ = nullptr;
    std::uint64_t size_ = 0;
    bool has_status_ = false;
};

struct ImageInfo {
    std::string format;
    std::uint64_t virtual_size = 0;
    bool self_contained = false;  // no backing file, external data file or encryption
};

ImageInfo probe(const std::filesystem::path& path, const std::string& format) {
    std::vector<std::string> argv = {"qemu-img", "info", "--output=json"};
    if (!format.empty()) argv.insert(argv.end(), {"-f", format});
    argv.push_back(path.string());
    ProcessResult r = run_process({argv});
    if (!r.succeeded())
        throw InvalidInput("cannot read disk " + path.string() + ": " + r.describe());
    try {
        auto info = nlohmann::json::parse(r.out);
        ImageInfo out{info.at("format").get<std::string>(),
                      info.at("virtual-size").get<std::uint64_t>()};
        out.self_contained = !info.contains("backing-filename") && !info.value("encrypted", false);
        if (auto fs = info.find("format-specific"); fs != info.end()) {
            auto data = fs->find("data");
            if (data != fs->end() && data->contains("data-file")) out.self_contained = false;
            if (data != fs->end() && data->value("corrupt", false))
                throw InvalidInput("disk " + path.string() +
                                   " is marked corrupt by QEMU (run qemu-img check -r)");
        }
        return out;
    } catch (const nlohmann::json::exception& e) {
        throw Error("cannot understand qemu-img info for " + path.string() + ": " + e.what());
    }
}

// QEMU reads past a truncated qcow2 as zeros, so check the metadata first (milliseconds: only
// tables are read). Leaked clusters are harmless; corruption is refused.
void check_consistency(const std::filesystem::path& path, const std::string& format) {
    static const char* const checkable[] = {"qcow2", "qed", "vdi", "vhdx", "vmdk", "parallels"};
    if (std::find(std::begin(checkable), std::end(checkable), format) == std::end(checkable))
        return;
    ProcessResult r =
        run_process({{"qemu-img", "check", "--output=json", "-f", format, path.string()}});
    if (r.exited_with(0) || r.exited_with(3)) return;  // clean, or only leaked clusters
    std::string detail = r.describe();
    try {
        auto report = nlohmann::json::parse(r.out);
        std::size_t corruptions =
            report.value("corruptions", 0u) + report.value("check-errors", 0u);
        if (corruptions) detail = std::to_string(corruptions) + " errors found by qemu-img check";
    } catch (const nlohmann::json::exception&) {
    }
    throw InvalidInput("disk " + path.string() + " is damaged: " + detail);
}

// The data clusters of a self-contained qcow2, or nullopt when any data needs QEMU to decode it
// (compressed clusters have no offset) or comes from elsewhere (depth > 0).
std::optional<std::vector<Mapped>> map_clusters(const std::filesystem::path& path) {
    ProcessResult r =
        run_process({{"qemu-img", "map", "--output=json", "-f", "qcow2", path.string()}});
    if (!r.succeeded()) return std::nullopt;
    std::vector<Mapped> map;
    try {
        for (const auto& e : nlohmann::json::parse(r.out)) {
            bool data = e.value("data", false), zero = e.value("zero", false);
            if (e.value("depth", 0) != 0) return std::nullopt;
            if (!data && zero) continue;
            if (!data || zero || !e.contains("offset")) return std::nullopt;
            Mapped m{e.at("start").get<std::uint64_t>(), e.at("length").get<std::uint64_t>(),
                     e.at("offset").get<std::uint64_t>()};
            if (!map.empty() && map.back().guest + map.back().length == m.guest &&
                map.back().host + map.back().length == m.host)
                map.back().length += m.length;
            else
                map.push_back(m);
        }
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
    return map;
}

}  // namespace

std::unique_ptr<SourceDisk> open_source_disk(const std::filesystem::path& path,
                                             const std::string& format) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw InvalidInput("disk " + path.string() + " does not exist");
    if (std::filesystem::is_directory(status))
        throw InvalidInput("disk " + path.string() + " is a directory");
    if (::access(path.c_str(), R_OK) != 0)
        throw InvalidInput("disk " + path.string() + " is not readable");
    ImageInfo info = probe(path, format);
    check_consistency(path, info.format);
    if (info.virtual_size == 0) throw InvalidInput("disk " + path.string() + " is empty");
    if (info.format == "raw") return std::make_unique<FileSource>(path, "raw", info.virtual_size);
    if (info.format == "qcow2" && info.self_contained)
        if (auto map = map_clusters(path))
            return std::make_unique<FileSource>(path, "qcow2", info.virtual_size, std::move(*map));
    return std::make_unique<NbdSource>(path, info.format);
}

}  // namespace kiln::exporter
