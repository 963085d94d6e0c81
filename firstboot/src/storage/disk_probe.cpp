#include "storage/disk_probe.hpp"

#include <blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <vector>

#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::firstboot {

namespace {

struct ProbeDeleter {
    void operator()(blkid_probe probe) const { blkid_free_probe(probe); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

std::string lookup(blkid_probe probe, const char* name) {
    const char* value = nullptr;
    if (blkid_probe_lookup_value(probe, name, &value, nullptr) == 0 && value) return value;
    return {};
}

// libblkid's account of the signatures on the device: "" when it finds none.
std::string signatures(const std::filesystem::path& device) {
    Probe probe(blkid_new_probe_from_filename(device.c_str()));
    if (!probe) return {};
    blkid_probe_enable_superblocks(probe.get(), 1);
    blkid_probe_set_superblocks_flags(probe.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
    blkid_probe_enable_partitions(probe.get(), 1);
    blkid_probe_set_partitions_flags(probe.get(), BLKID_PARTS_MAGIC);
    int rc = blkid_do_safeprobe(probe.get());
    if (rc == -2) return "more than one signature (libblkid cannot tell which is valid)";
    if (rc != 0) return {};
    if (std::string table = lookup(probe.get(), "PTTYPE"); !table.empty())
        return "a " + table + " partition table";
    std::string type = lookup(probe.get(), "TYPE");
    if (type.empty()) return {};
    std::string label = lookup(probe.get(), "LABEL");
    return "a" + std::string(type.front() == 'e' || type.front() == 'x' ? "n " : " ") + type +
           " signature" + (label.empty() ? "" : " labelled '" + label + "'");
}

std::uint64_t size_of(int fd, const std::filesystem::path& device) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw SystemError("cannot stat " + device.string(), errno);
    if (!S_ISBLK(st.st_mode)) return static_cast<std::uint64_t>(st.st_size);
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0)
        throw SystemError("cannot read the size of " + device.string(), errno);
    return bytes;
}

// The offset of the first non-zero byte in [offset, offset + length), if any.
std::optional<std::uint64_t> first_non_zero(int fd, const std::filesystem::path& device,
                                            std::uint64_t offset, std::uint64_t length) {
    std::vector<char> buffer(1 << 20);
    while (length > 0) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(length, buffer.size()));
        ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError("cannot read " + device.string(), errno);
        if (n == 0) break;
        auto it = std::find_if(buffer.begin(), buffer.begin() + n, [](char c) { return c != 0; });
        if (it != buffer.begin() + n)
            return offset + static_cast<std::uint64_t>(it - buffer.begin());
        offset += static_cast<std::uint64_t>(n);
        length -= static_cast<std::uint64_t>(n);
    }
    return std::nullopt;
}

}  // namespace

DiskContents probe_disk(const std::filesystem::path& device) {
    UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw SystemError("cannot open " + device.string(), errno);

    if (std::string found = signatures(device); !found.empty()) return {false, found};
    std::uint64_t size = size_of(fd.get(), device);
    std::uint64_t head = std::min(size, kBlankHeadBytes);
    std::optional<std::uint64_t> at = first_non_zero(fd.get(), device, 0, head);
    if (!at && size > head) {
        std::uint64_t tail_start = std::max(head, size - std::min(size, kBlankTailBytes));
        at = first_non_zero(fd.get(), device, tail_start, size - tail_start);
    }
    if (at) return {false, "non-zero data at byte " + std::to_string(*at)};
    return {true, {}};
}

std::string filesystem_type(const std::filesystem::path& device) {
    Probe probe(blkid_new_probe_from_filename(device.c_str()));
    if (!probe) return {};
    blkid_probe_enable_superblocks(probe.get(), 1);
    blkid_probe_set_superblocks_flags(probe.get(), BLKID_SUBLKS_TYPE);
    if (blkid_do_safeprobe(probe.get()) != 0) return {};
    return lookup(probe.get(), "TYPE");
}

}  // namespace kiln::firstboot
