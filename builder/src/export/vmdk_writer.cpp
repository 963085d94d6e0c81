#include "export/vmdk_writer.hpp"

#include <libdeflate.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "export/vmdk_format.hpp"
#include "kiln/error.hpp"
#include "kiln/sha256.hpp"

namespace kiln::exporter {

namespace {

using namespace vmdk;

constexpr std::uint32_t kChunkGrains = 16;  // 1 MiB of source per unit of work

bool all_zero(const std::uint8_t* p, std::size_t n) {
    // Compare the buffer with itself shifted: memcmp runs at memory speed.
    static constexpr std::uint8_t zeros[16] = {};
    return std::memcmp(p, zeros, 16) == 0 && std::memcmp(p, p + 16, n - 16) == 0;
}

// Sequential output with a large buffer; every byte goes through the digests.
class Sink {
public:
    Sink(int fd, bool sha1) : fd_(fd), sha256_(DigestKind::sha256) {
        if (sha1) sha1_.emplace(DigestKind::sha1);
        buffer_.reserve(kBuffer);
    }

    void write(const std::uint8_t* p, std::size_t n) {
        if (buffer_.size() + n > kBuffer) flush();
        if (n >= kBuffer) {
            emit(p, n);
        } else {
            buffer_.insert(buffer_.end(), p, p + n);
        }
        written_ += n;
    }
    void write(const Sector& s) { write(s.data(), s.size()); }
    void pad_to_sector() {
        static const Sector zeros{};
        if (std::uint64_t rest = written_ % kSector) write(zeros.data(), kSector - rest);
    }
    void flush() {
        if (!buffer_.empty()) emit(buffer_.data(), buffer_.size());
        buffer_.clear();
    }
    std::uint64_t written() const { return written_; }
    std::uint64_t sector() const { return written_ / kSector; }
    std::string sha256() { return sha256_.hex(); }
    std::string sha1() { return sha1_ ? sha1_->hex() : std::string(); }

private:
    static constexpr std::size_t kBuffer = 4u << 20;

    void emit(const std::uint8_t* p, std::size_t n) {
        sha256_.update({p, n});
        if (sha1_) sha1_->update({p, n});
        while (n > 0) {
            ssize_t w = ::write(fd_, p, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw SystemError("cannot write the VMDK", errno);
            }
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    }

    int fd_;
    Digest sha256_;
    std::optional<Digest> sha1_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t written_ = 0;
};

struct Chunk {
    enum class State { free, filled, done } state = State::free;
    std::uint64_t first_grain = 0;
    std::uint32_t grains = 0;
    bool last = false;  // no more chunks after this one
    std::vector<std::uint8_t> input;
    std::vector<std::uint8_t> output;
    std::array<std::uint32_t, kChunkGrains> length{};  // marker + stream + padding; 0: zero grain
};

class Pipeline {
public:
    Pipeline(SourceDisk& source, const VmdkOptions& options, unsigned workers)
        : source_(source), options_(options), workers_(workers) {
        bound_ = libdeflate_zlib_compress_bound(nullptr, kGrainBytes);
        slot_bytes_ = (kGrainMarkerBytes + bound_ + kSector - 1) / kSector * kSector;
        chunks_.resize(2 * workers_ + 2);
        for (auto& c : chunks_) {
            c.input.resize(kChunkGrains * kGrainBytes);
            c.output.resize(kChunkGrains * slot_bytes_);
        }
    }

    // Runs the reader and workers; calls `consume` in chunk order on this thread.
    template <class Consume>
    void run(Consume&& consume) {
        std::vector<std::thread> threads;
        threads.emplace_back([this] { guarded([this] { read_all(); }); });
        for (unsigned i = 0; i < workers_; ++i)
            threads.emplace_back([this] { guarded([this] { compress_all(); }); });
        try {
            for (std::uint64_t seq = 0;; ++seq) {
                Chunk& c = chunks_[seq % chunks_.size()];
                {
                    std::unique_lock lock(mutex_);
                    done_cv_.wait(lock, [&] { return c.state == Chunk::State::done || error_; });
                    if (error_) break;
                }
                consume(c);
                bool last = c.last;
                {
                    std::lock_guard lock(mutex_);
                    c.state = Chunk::State::free;
                }
                free_cv_.notify_one();
                if (last) break;
            }
        } catch (...) {
            fail(std::current_exception());
        }
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        work_cv_.notify_all();
        free_cv_.notify_all();
        for (auto& t : threads) t.join();
        if (error_) std::rethrow_exception(error_);
    }

    std::uint64_t data_bytes() const { return data_bytes_; }

private:
    template <class F>
    void guarded(F&& f) {
        try {
            f();
        } catch (...) {
            fail(std::current_exception());
        }
    }

    void fail(std::exception_ptr e) {
        {
            std::lock_guard lock(mutex_);
            if (!error_) error_ = e;
            stop_ = true;
        }
        done_cv_.notify_all();
        work_cv_.notify_all();
        free_cv_.notify_all();
    }

    Chunk* acquire(std::uint64_t seq) {
        Chunk& c = chunks_[seq % chunks_.size()];
        std::unique_lock lock(mutex_);
        free_cv_.wait(lock, [&] { return c.state == Chunk::State::free || stop_; });
        return stop_ ? nullptr : &c;
    }

    void submit(std::uint64_t seq, Chunk& c) {
        {
            std::lock_guard lock(mutex_);
            c.state = Chunk::State::filled;
            queue_.push_back(seq);
        }
        work_cv_.notify_one();
    }

    // Fills chunks in disk order from the allocated extents; holes are zero-filled, never read.
    void read_all() {
        const std::vector<Extent> extents = source_.data_extents();
        const std::uint64_t capacity = source_.size();
        std::uint64_t seq = 0;
        std::uint64_t next_grain = 0;  // first grain not yet handed out
        std::size_t cursor = 0;        // first extent that may overlap the current chunk
        for (std::size_t k = 0; k < extents.size(); ++k) {
            const Extent& e = extents[k];
            data_bytes_ += e.length;
            std::uint64_t first = std::max(next_grain, e.offset / kGrainBytes);
            std::uint64_t end = (e.offset + e.length + kGrainBytes - 1) / kGrainBytes;
            for (std::uint64_t g = first; g < end; g += kChunkGrains) {
                Chunk* c = acquire(seq);
                if (!c) return;
                c->first_grain = g;
                c->grains =
                    static_cast<std::uint32_t>(std::min<std::uint64_t>(kChunkGrains, end - g));
                c->last = false;
                std::uint64_t lo = g * kGrainBytes;
                std::uint64_t hi = lo + std::uint64_t{c->grains} * kGrainBytes;
                std::memset(c->input.data(), 0, hi - lo);
                while (cursor < extents.size() &&
                       extents[cursor].offset + extents[cursor].length <= lo)
                    ++cursor;
                for (std::size_t j = cursor; j < extents.size() && extents[j].offset < hi; ++j) {
                    std::uint64_t a = std::max(lo, extents[j].offset);
                    std::uint64_t b =
                        std::min({hi, extents[j].offset + extents[j].length, capacity});
                    if (a < b) source_.read(a, {c->input.data() + (a - lo), b - a});
                }
                submit(seq++, *c);
            }
            next_grain = std::max(next_grain, end);
        }
        Chunk* c = acquire(seq);  // an empty chunk closes the stream
        if (!c) return;
        c->first_grain = next_grain;
        c->grains = 0;
        c->last = true;
        submit(seq, *c);
    }

    void compress_all() {
        libdeflate_compressor* compressor = libdeflate_alloc_compressor(options_.level);
        if (!compressor)
            throw Error("cannot create a compressor at level " + std::to_string(options_.level));
        struct Free {
            libdeflate_compressor* p;
            ~Free() { libdeflate_free_compressor(p); }
        } guard{compressor};
        for (;;) {
            std::uint64_t seq;
            {
                std::unique_lock lock(mutex_);
                work_cv_.wait(lock, [&] { return !queue_.empty() || stop_; });
                if (stop_) return;
                seq = queue_.front();
                queue_.pop_front();
            }
            Chunk& c = chunks_[seq % chunks_.size()];
            for (std::uint32_t i = 0; i < c.grains; ++i) {
                const std::uint8_t* in = c.input.data() + std::size_t{i} * kGrainBytes;
                if (all_zero(in, kGrainBytes)) {
                    c.length[i] = 0;
                    continue;
                }
                std::uint8_t* out = c.output.data() + std::size_t{i} * slot_bytes_;
                std::size_t n = libdeflate_zlib_compress(compressor, in, kGrainBytes,
                                                         out + kGrainMarkerBytes, bound_);
                if (n == 0) throw Error("compression of a grain failed");
                std::uint64_t lba = (c.first_grain + i) * kGrainSectors;
                for (int b = 0; b < 8; ++b) out[b] = static_cast<std::uint8_t>(lba >> (8 * b));
                for (int b = 0; b < 4; ++b) out[8 + b] = static_cast<std::uint8_t>(n >> (8 * b));
                std::size_t total = (kGrainMarkerBytes + n + kSector - 1) / kSector * kSector;
                std::memset(out + kGrainMarkerBytes + n, 0, total - kGrainMarkerBytes - n);
                c.length[i] = static_cast<std::uint32_t>(total);
            }
            {
                std::lock_guard lock(mutex_);
                c.state = Chunk::State::done;
            }
            done_cv_.notify_all();
        }
    }

    SourceDisk& source_;
    const VmdkOptions& options_;
    unsigned workers_;
    std::size_t bound_ = 0;
    std::size_t slot_bytes_ = 0;
    std::vector<Chunk> chunks_;
    std::deque<std::uint64_t> queue_;
    std::mutex mutex_;
    std::condition_variable free_cv_, work_cv_, done_cv_;
    bool stop_ = false;
    std::exception_ptr error_;
    std::uint64_t data_bytes_ = 0;  // written by the reader, read after join
};

std::uint32_t read_u32(const std::array<std::uint8_t, 32>& d, std::size_t at) {
    return std::uint32_t{d[at]} | std::uint32_t{d[at + 1]} << 8 | std::uint32_t{d[at + 2]} << 16 |
           std::uint32_t{d[at + 3]} << 24;
}

}  // namespace

VmdkResult write_stream_vmdk(SourceDisk& source, int fd, const VmdkOptions& options) {
    auto started = std::chrono::steady_clock::now();
    VmdkResult result;
    result.capacity = (source.size() + kSector - 1) / kSector * kSector;
    const std::uint64_t capacity_sectors = result.capacity / kSector;
    const std::uint64_t tables = grain_table_count(result.capacity);
    unsigned workers =
        options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (options.level < 1 || options.level > 12)
        throw UsageError("compression level must be 1-12, found " + std::to_string(options.level));

    // Identity without a clock: the same inputs give the same CID.
    Sha256 seed;
    seed.field("kiln-vmdk")
        .field(options.identity)
        .field(options.extent_file)
        .field(std::to_string(result.capacity));
    auto id = seed.finish();
    DescriptorInfo info;
    info.capacity_sectors = capacity_sectors;
    info.extent_file = options.extent_file;
    info.adapter = options.adapter;
    info.cid = read_u32(id, 0);
    if (info.cid >= 0xfffffffe) info.cid = 0x0badc1d;  // values reserved by VMware
    info.long_content_id = to_hex(std::span<const std::uint8_t>(id.data() + 4, 16));
    std::string descriptor = make_descriptor(info);
    if (descriptor.size() > kDescriptorSectors * kSector)
        throw InvalidInput("the disk file name is too long for the VMDK descriptor");

    Header header;
    header.capacity = capacity_sectors;
    Sink out(fd, options.sha1);
    out.write(encode_header(header));
    out.write(reinterpret_cast<const std::uint8_t*>(descriptor.data()), descriptor.size());
    static const std::vector<std::uint8_t> zeros(kOverheadSectors * kSector);
    out.write(zeros.data(), kOverheadSectors * kSector - out.written());

    std::vector<std::uint32_t> directory(tables, 0);
    std::vector<std::uint32_t> table(kGtesPerGt, 0);
    std::uint64_t current_table = 0;
    auto check_offset = [&](std::uint64_t sector) {
        if (sector > 0xffffffffULL)
            throw InvalidInput("the VMDK would exceed 2 TiB of compressed data");
        return static_cast<std::uint32_t>(sector);
    };
    auto flush_table = [&] {
        out.write(encode_marker(kGtSectors, MarkerType::grain_table));
        directory[current_table] = check_offset(out.sector());
        out.write(reinterpret_cast<const std::uint8_t*>(table.data()), kGtSectors * kSector);
        std::fill(table.begin(), table.end(), 0);
        ++current_table;
    };
    static_assert(std::endian::native == std::endian::little, "tables are written in host order");

    Pipeline pipeline(source, options, workers);
    pipeline.run([&](Chunk& c) {
        for (std::uint32_t i = 0; i < c.grains; ++i) {
            if (c.length[i] == 0) continue;
            std::uint64_t grain = c.first_grain + i;
            while (grain / kGtesPerGt > current_table) flush_table();
            table[grain % kGtesPerGt] = check_offset(out.sector());
            out.write(c.output.data() + std::size_t{i} * (c.output.size() / kChunkGrains),
                      c.length[i]);
            ++result.grains;
        }
        if (options.progress)
            options.progress(std::min(result.capacity, (c.first_grain + c.grains) * kGrainBytes),
                             result.capacity);
    });
    while (current_table < tables) flush_table();

    // Grain directory, footer (the header again, now with the directory's offset), end marker.
    const std::uint64_t gd_sectors = directory_sectors(tables);
    out.write(encode_marker(gd_sectors, MarkerType::grain_directory));
    header.gd_offset = out.sector();
    std::vector<std::uint8_t> gd(gd_sectors * kSector, 0);
    std::memcpy(gd.data(), directory.data(), directory.size() * 4);
    out.write(gd.data(), gd.size());
    out.write(encode_marker(1, MarkerType::footer));
    out.write(encode_header(header));
    out.write(encode_marker(0, MarkerType::end_of_stream));
    out.flush();

    result.bytes = out.written();
    result.data_bytes = pipeline.data_bytes();
    result.populated = result.grains * kGrainBytes;
    result.sha256 = out.sha256();
    result.sha1 = out.sha1();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace kiln::exporter
