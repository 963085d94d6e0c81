#include "export/exporter.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "export/disk_probe.hpp"
#include "export/ova_manifest.hpp"
#include "export/signature.hpp"
#include "export/source_disk.hpp"
#include "kiln/atomic_file.hpp"
#include "kiln/error.hpp"
#include "kiln/grammar.hpp"
#include "kiln/process.hpp"
#include "kiln/sha256.hpp"
#include "kiln/unique_fd.hpp"
#include "kiln/version.hpp"
#include "profile/source_date_epoch.hpp"

namespace kiln::exporter {

namespace {

// USTAR stores sizes in 11 octal digits.
constexpr std::uint64_t kUstarMaxMember = (1ULL << 33) - 1;

// A scratch file in the output directory that has no name: nothing to clean up after a crash.
UniqueFd open_scratch_file(const std::filesystem::path& dir) {
    std::filesystem::path where = dir.empty() ? "." : dir;
    UniqueFd fd(::open(where.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (fd) return fd;
    std::string pattern = (where / ".kiln-export-XXXXXX").string();
    fd.reset(::mkostemp(pattern.data(), O_CLOEXEC));
    if (!fd) throw SystemError("cannot create a scratch file in " + where.string(), errno);
    ::unlink(pattern.c_str());
    return fd;
}

std::filesystem::path parent_of(const std::filesystem::path& output) {
    auto parent = output.parent_path();
    return parent.empty() ? std::filesystem::path(".") : parent;
}

void check_output_dir(const std::filesystem::path& output) {
    auto dir = parent_of(output);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw InvalidInput("output directory " + dir.string() + " does not exist");
    if (::access(dir.c_str(), W_OK) != 0)
        throw InvalidInput("output directory " + dir.string() + " is not writable");
    if (std::filesystem::is_directory(output, ec))
        throw InvalidInput("output " + output.string() + " is a directory");
}

// libarchive output that digests every byte on its way to the file.
struct TarSink {
    int fd;
    Digest sha256{DigestKind::sha256};
    std::uint64_t bytes = 0;
    std::string error;
};

la_ssize_t tar_write(archive*, void* data, const void* buffer, size_t length) {
    auto* sink = static_cast<TarSink*>(data);
    const auto* p = static_cast<const std::uint8_t*>(buffer);
    sink->sha256.update({p, length});
    for (std::size_t done = 0; done < length;) {
        ssize_t n = ::write(sink->fd, p + done, length - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            sink->error = std::strerror(errno);
            return -1;
        }
        done += static_cast<std::size_t>(n);
    }
    sink->bytes += length;
    return static_cast<la_ssize_t>(length);
}

class TarWriter {
public:
    TarWriter(int fd, std::int64_t mtime, const std::filesystem::path& output)
        : sink_{fd, Digest(DigestKind::sha256), 0, {}}, mtime_(mtime), output_(output) {
        archive_ = archive_write_new();
        if (!archive_ || archive_write_set_format_ustar(archive_) != ARCHIVE_OK ||
            archive_write_add_filter_none(archive_) != ARCHIVE_OK ||
            archive_write_open(archive_, &sink_, nullptr, &tar_write, nullptr) != ARCHIVE_OK)
            fail("cannot start the OVA");
    }
    ~TarWriter() { archive_write_free(archive_); }

    void begin(const std::string& name, std::uint64_t size) {
        if (size > kUstarMaxMember)
            throw InvalidInput(name + " is larger than the 8 GiB a USTAR member can hold");
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, name.c_str());
        archive_entry_set_size(entry, static_cast<la_int64_t>(size));
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_uid(entry, 0);
        archive_entry_set_gid(entry, 0);
        archive_entry_set_uname(entry, "root");
        archive_entry_set_gname(entry, "root");
        archive_entry_set_mtime(entry, mtime_, 0);
        int rc = archive_write_header(archive_, entry);
        archive_entry_free(entry);
        if (rc != ARCHIVE_OK) fail("cannot add " + name + " to the OVA");
    }
    void data(const void* p, std::size_t n) {
        if (archive_write_data(archive_, p, n) != static_cast<la_ssize_t>(n))
            fail("cannot write the OVA");
    }
    void add(const std::string& name, const std::string& content) {
        begin(name, content.size());
        data(content.data(), content.size());
    }
    void add_file(const std::string& name, int fd, std::uint64_t size) {
        begin(name, size);
        std::vector<std::uint8_t> buffer(4u << 20);
        for (std::uint64_t done = 0; done < size;) {
            std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - done));
            ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw SystemError("cannot read back the VMDK", n < 0 ? errno : EIO);
            data(buffer.data(), static_cast<std::size_t>(n));
            done += static_cast<std::uint64_t>(n);
        }
    }
    void close() {
        if (archive_write_close(archive_) != ARCHIVE_OK) fail("cannot finish the OVA");
    }
    std::uint64_t bytes() const { return sink_.bytes; }
    std::string sha256() { return sink_.sha256.hex(); }

private:
    [[noreturn]] void fail(const std::string& what) {
        std::string reason = !sink_.error.empty()             ? sink_.error
                             : archive_error_string(archive_) ? archive_error_string(archive_)
                                                              : "unknown error";
        throw Error(what + " " + output_.string() + ": " + reason);
    }

    archive* archive_ = nullptr;
    TarSink sink_;
    std::int64_t mtime_;
    std::filesystem::path output_;
};

VmdkOptions vmdk_options(const ExportRequest& r, const std::string& extent_file) {
    VmdkOptions o;
    o.threads = r.threads;
    o.level = r.level;
    o.extent_file = extent_file;
    o.adapter = r.ovf.scsi == "pvscsi" ? "pvscsi" : "lsilogic";
    o.identity = r.ovf.vm_name;
    o.sha1 = r.manifest == DigestKind::sha1;
    o.progress = r.progress;
    return o;
}

std::string default_base_name(const ExportRequest& r) {
    if (!r.base_name.empty()) return r.base_name;
    return r.output.stem().string();
}

void check_base_name(const std::string& name) {
    if (name.empty() || name.front() == '.' ||
        name.find_first_of("/\\\n\r\t\"") != std::string::npos || name.size() > 80)
        throw InvalidInput("'" + name +
                           "' cannot name the OVA's files (a plain name of 1-80 characters)");
}

ExportResult write_ova(const ExportRequest& r) {
    std::vector<std::string> problems = check_ovf_settings(r.ovf);
    if (!problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += "\n  " + p;
        throw InvalidInput("invalid OVF settings:" + text);
    }
    const std::string base = default_base_name(r);
    check_base_name(base);
    MemberNames names = member_names(base);
    std::int64_t mtime = r.mtime ? *r.mtime : default_mtime();

    check_output_dir(r.output);
    auto source = open_source_disk(r.source, {r.source_format, r.allow_external_files});
    AtomicFile ova(r.output);
    UniqueFd scratch = open_scratch_file(parent_of(r.output));
    VmdkResult disk = write_stream_vmdk(*source, scratch.get(), vmdk_options(r, names.disk));
    std::optional<VmdkResult> data_disk;
    UniqueFd data_scratch;
    if (r.ovf.data_disk_bytes > 0) {
        data_scratch = open_scratch_file(parent_of(r.output));
        auto empty = empty_source_disk(r.ovf.data_disk_bytes);
        VmdkOptions options = vmdk_options(r, names.data_disk);
        options.progress = nullptr;
        data_disk = write_stream_vmdk(*empty, data_scratch.get(), options);
    }

    OvfSettings settings = r.ovf;
    if (settings.version.empty()) settings.version = kVersion;
    OvfDisk data_member;
    if (data_disk) data_member = {names.data_disk, data_disk->bytes, data_disk->capacity, 0};
    std::string ovf = make_ovf(settings, {names.disk, disk.bytes, disk.capacity, disk.populated},
                               data_disk ? &data_member : nullptr);
    auto disk_digest = [&](const VmdkResult& v) {
        return r.manifest == DigestKind::sha1 ? v.sha1 : v.sha256;
    };
    std::vector<ManifestEntry> lines = {{r.manifest, names.ovf, digest_hex(r.manifest, ovf)},
                                        {r.manifest, names.disk, disk_digest(disk)}};
    if (data_disk) lines.push_back({r.manifest, names.data_disk, disk_digest(*data_disk)});
    std::string manifest = format_manifest(lines);
    std::string cert;
    if (r.signing)
        cert = sign_manifest(manifest, names.manifest, r.manifest, r.signing->key, r.signing->cert);

    TarWriter tar(ova.fd(), mtime, r.output);
    ExportResult result;
    result.output = r.output;
    tar.add(names.ovf, ovf);
    tar.add(names.manifest, manifest);
    result.members = {names.ovf, names.manifest};
    if (r.signing) {
        tar.add(names.cert, cert);
        result.members.push_back(names.cert);
    }
    tar.add_file(names.disk, scratch.get(), disk.bytes);
    result.members.push_back(names.disk);
    if (data_disk) {
        tar.add_file(names.data_disk, data_scratch.get(), data_disk->bytes);
        result.members.push_back(names.data_disk);
    }
    tar.close();
    ova.commit();
    result.bytes = tar.bytes();
    result.sha256 = tar.sha256();
    result.vmdk = disk;
    return result;
}

ExportResult write_vmdk(const ExportRequest& r) {
    check_output_dir(r.output);
    auto source = open_source_disk(r.source, {r.source_format, r.allow_external_files});
    AtomicFile file(r.output);
    VmdkOptions options = vmdk_options(r, r.output.filename().string());
    options.sha1 = false;
    VmdkResult disk = write_stream_vmdk(*source, file.fd(), options);
    file.commit();
    ExportResult result;
    result.output = r.output;
    result.bytes = disk.bytes;
    result.sha256 = disk.sha256;
    result.vmdk = disk;
    return result;
}

ExportResult write_qcow2(const ExportRequest& r) {
    check_output_dir(r.output);
    std::string format =
        open_source_disk(r.source, {r.source_format, r.allow_external_files})->format();
    AtomicFile file(r.output);
    std::vector<std::string> argv = {"qemu-img", "convert", "-q", "-f", format, "-O", "qcow2"};
    if (r.threads) argv.insert(argv.end(), {"-m", std::to_string(std::min(16u, r.threads))});
    argv.insert(argv.end(), {qemu_file_name(r.source), file.temp_path().string()});
    run_process_checked({argv}, "converting to qcow2");
    file.commit();
    ExportResult result;
    result.output = r.output;
    result.bytes = std::filesystem::file_size(r.output);
    result.sha256 = sha256_file_hex(r.output);
    return result;
}

}  // namespace

MemberNames member_names(const std::string& base) {
    return {base + ".ovf", base + ".mf", base + ".cert", base + "-disk1.vmdk",
            base + "-disk2.vmdk"};
}

std::int64_t default_mtime() {
    return profile::environment_source_date_epoch().value_or(0);
}

ExportResult export_disk(const ExportRequest& r) {
    auto started = std::chrono::steady_clock::now();
    ExportResult result;
    switch (r.format) {
        case profile::OutputFormat::ova:
            result = write_ova(r);
            break;
        case profile::OutputFormat::vmdk:
            result = write_vmdk(r);
            break;
        case profile::OutputFormat::qcow2:
            result = write_qcow2(r);
            break;
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace kiln::exporter
