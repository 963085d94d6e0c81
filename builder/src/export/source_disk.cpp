#include "export/source_disk.hpp"

#include <fcntl.h>
#include <libnbd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "export/disk_probe.hpp"
#include "kiln/error.hpp"
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
        std::string file = qemu_file_name(path);
        // Socket activation: a private socket, and qemu-nbd ends when the handle closes.
        const char* argv[] = {"qemu-nbd",      "--read-only", format_option.c_str(),
                              "--aio=threads", file.c_str(),  nullptr};
        if (nbd_connect_systemd_socket_activation(handle_, const_cast<char**>(argv)) < 0)
            fail("cannot serve disk " + path.string() + " with qemu-nbd");
        int64_t size = nbd_get_size(handle_);
        if (size < 0) fail("cannot read the size of disk " + path.string());
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

}  // namespace

std::unique_ptr<SourceDisk> open_source_disk(const std::filesystem::path& path,
                                             const SourceOptions& options) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw InvalidInput("disk " + path.string() + " does not exist");
    if (std::filesystem::is_directory(status))
        throw InvalidInput("disk " + path.string() + " is a directory");
    if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_block_file(status))
        throw InvalidInput("disk " + path.string() + " is not a regular file or block device");
    if (::access(path.c_str(), R_OK) != 0)
        throw InvalidInput("disk " + path.string() + " is not readable");
    const std::string format = options.format.empty() ? format_from_name(path) : options.format;
    const std::string refused = "; kiln export reads them only with --allow-external-files";
    if (!options.allow_external_files && format == "vmdk" && is_vmdk_descriptor_file(path))
        throw InvalidInput("disk " + path.string() +
                           " is a VMDK descriptor: its data is in the extent files it names" +
                           refused);
    ImageInfo info = probe(path, format);
    if (!options.allow_external_files && !info.external_files.empty()) {
        std::string files;
        for (const auto& f : info.external_files) files += (files.empty() ? "" : ", ") + f;
        throw InvalidInput("disk " + path.string() + " reads other files (" + files + ")" +
                           refused);
    }
    check_consistency(path, info.format);
    if (info.virtual_size == 0) throw InvalidInput("disk " + path.string() + " is empty");
    if (info.format == "raw") return std::make_unique<FileSource>(path, "raw", info.virtual_size);
    if (info.format == "qcow2" && info.self_contained())
        if (auto map = map_clusters(path))
            return std::make_unique<FileSource>(path, "qcow2", info.virtual_size, std::move(*map));
    return std::make_unique<NbdSource>(path, info.format);
}

namespace {

class EmptyDisk final : public SourceDisk {
public:
    explicit EmptyDisk(std::uint64_t bytes) : bytes_(bytes) {}
    std::uint64_t size() const override { return bytes_; }
    const std::string& format() const override { return format_; }
    std::vector<Extent> data_extents() override { return {}; }
    void read(std::uint64_t, std::span<std::uint8_t> out) override {
        std::fill(out.begin(), out.end(), std::uint8_t{0});
    }

private:
    std::uint64_t bytes_;
    std::string format_ = "raw";
};

}  // namespace

std::unique_ptr<SourceDisk> empty_source_disk(std::uint64_t bytes) {
    return std::make_unique<EmptyDisk>(bytes);
}

}  // namespace kiln::exporter
