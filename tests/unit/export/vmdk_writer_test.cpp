// The streamOptimized writer against an in-memory disk, read back with zlib (an implementation
// independent of the libdeflate that wrote it) and checked by `kiln verify`'s VMDK checker.
#include "export/vmdk_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <map>
#include <mutex>
#include <random>

#include "export/verify.hpp"
#include "export/vmdk_format.hpp"
#include "kiln/error.hpp"

using namespace kiln;
using namespace kiln::exporter;
namespace vm = kiln::exporter::vmdk;

namespace {

class MemorySource final : public SourceDisk {
public:
    MemorySource(std::uint64_t size, std::vector<Extent> extents)
        : data_(size, 0), extents_(std::move(extents)) {}
    std::uint64_t size() const override { return data_.size(); }
    const std::string& format() const override { return format_; }
    std::vector<Extent> data_extents() override { return extents_; }
    void read(std::uint64_t offset, std::span<std::uint8_t> out) override {
        if (fail_at_ && offset >= *fail_at_) throw Error("simulated read error");
        std::lock_guard lock(mutex_);
        reads_.push_back({offset, out.size()});
        std::memcpy(out.data(), data_.data() + offset, out.size());
    }
    std::vector<std::uint8_t>& data() { return data_; }
    std::vector<Extent> reads() const { return reads_; }
    std::optional<std::uint64_t> fail_at_;

private:
    std::vector<std::uint8_t> data_;
    std::vector<Extent> extents_;
    std::string format_ = "memory";
    std::mutex mutex_;
    std::vector<Extent> reads_;
};

// Text-like data: compressible, but not trivially.
void fill(std::vector<std::uint8_t>& d, std::uint64_t offset, std::uint64_t length, unsigned seed) {
    std::mt19937 rng(seed);
    static const char* words[] = {"postgres ",   "patroni ", "etcd ",   "haproxy ",
                                  "keepalived ", "\n",       "0x7f3a ", "kiln "};
    for (std::uint64_t i = offset; i < offset + length;) {
        const char* w = words[rng() % 8];
        for (; *w && i < offset + length; ++w, ++i) d[i] = static_cast<std::uint8_t>(*w);
        if (rng() % 7 == 0 && i < offset + length) d[i++] = static_cast<std::uint8_t>(rng());
    }
}

struct Written {
    std::vector<std::uint8_t> bytes;
    VmdkResult result;
};

Written write(MemorySource& source, unsigned threads) {
    FILE* f = std::tmpfile();
    VmdkOptions options;
    options.threads = threads;
    options.extent_file = "test-disk1.vmdk";
    options.identity = "test";
    Written w;
    w.result = write_stream_vmdk(source, fileno(f), options);
    w.bytes.resize(w.result.bytes);
    EXPECT_EQ(::pread(fileno(f), w.bytes.data(), w.bytes.size(), 0),
              static_cast<ssize_t>(w.bytes.size()));
    std::fclose(f);
    return w;
}

VerifyReport check(const std::vector<std::uint8_t>& bytes) {
    FILE* f = std::tmpfile();
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fflush(f);
    VerifyReport report;
    check_stream_vmdk(fileno(f), 0, bytes.size(), "test-disk1.vmdk", report);
    std::fclose(f);
    return report;
}

// Reads the disk back through the grain markers, the way a streaming importer does.
std::vector<std::uint8_t> decode(const std::vector<std::uint8_t>& v, std::uint64_t capacity) {
    std::vector<std::uint8_t> disk(capacity, 0);
    vm::Header h = vm::decode_header({v.data(), 512});
    std::uint64_t at = h.overhead * 512;
    while (at < v.size()) {
        vm::Marker m = vm::decode_marker({v.data() + at, 16});
        if (!m.is_grain()) {
            if (m.type == 0) break;
            at += (1 + m.value) * 512;
            continue;
        }
        std::vector<std::uint8_t> grain(vm::kGrainBytes);
        uLongf n = grain.size();
        EXPECT_EQ(uncompress(grain.data(), &n, v.data() + at + 12, m.size), Z_OK);
        EXPECT_EQ(n, vm::kGrainBytes);
        std::uint64_t off = m.value * 512;
        std::memcpy(disk.data() + off, grain.data(), std::min<std::uint64_t>(n, capacity - off));
        at += (12 + m.size + 511) / 512 * 512;
    }
    return disk;
}

std::string faults(const VerifyReport& r) {
    std::string s;
    for (const auto& f : r.findings)
        if (f.outcome == Outcome::fault) s += f.detail + "\n";
    return s;
}

}  // namespace

TEST(VmdkWriter, RoundTripsDataAndSkipsZeros) {
    const std::uint64_t size = 80ULL << 20;  // 80 MiB: three grain tables
    // Data at 1 MiB (3 MiB long), a 64 KiB island at 40 MiB + 4 KiB (unaligned), and the tail.
    MemorySource src(size, {{1 << 20, 3 << 20}, {(40 << 20) + 4096, 65536}, {size - 8192, 8192}});
    fill(src.data(), 1 << 20, 3 << 20, 1);
    fill(src.data(), (40 << 20) + 4096, 65536, 2);
    fill(src.data(), size - 8192, 8192, 3);
    std::memset(src.data().data() + (2 << 20), 0, 65536 * 4);  // zero grains inside an extent

    Written w = write(src, 2);
    EXPECT_EQ(w.result.capacity, size);
    EXPECT_EQ(w.result.bytes % 512, 0u);
    EXPECT_EQ(w.result.bytes, w.bytes.size());
    EXPECT_EQ(w.result.grains,
              48u - 4u + 2u + 1u);  // 3 MiB less 4 zero grains, island spans 2, tail 1
    EXPECT_EQ(w.result.populated, w.result.grains * 65536);
    EXPECT_EQ(w.result.data_bytes, (3u << 20) + 65536u + 8192u);
    EXPECT_EQ(decode(w.bytes, size), src.data());

    VerifyReport report = check(w.bytes);
    EXPECT_TRUE(report.passed()) << faults(report);
}

TEST(VmdkWriter, NeverReadsHoles) {
    const std::uint64_t size = 64ULL << 20;
    std::vector<Extent> extents = {{0, 4096}, {10 << 20, 100000}, {50 << 20, 1 << 20}};
    MemorySource src(size, extents);
    for (const auto& e : extents) fill(src.data(), e.offset, e.length, 7);
    write(src, 3);
    for (const auto& r : src.reads()) {
        bool inside = false;
        for (const auto& e : extents)
            inside = inside || (r.offset >= e.offset && r.offset + r.length <= e.offset + e.length);
        EXPECT_TRUE(inside) << "read " << r.length << " bytes at " << r.offset
                            << " outside the data extents";
    }
}

TEST(VmdkWriter, SameBytesWhateverTheThreadCount) {
    const std::uint64_t size = 48ULL << 20;
    MemorySource src(size, {{0, 20 << 20}, {30 << 20, 5 << 20}});
    fill(src.data(), 0, 20 << 20, 11);
    fill(src.data(), 30 << 20, 5 << 20, 12);
    Written one = write(src, 1);
    for (unsigned threads : {2u, 8u}) {
        Written many = write(src, threads);
        EXPECT_EQ(many.result.sha256, one.result.sha256) << threads << " threads";
        EXPECT_TRUE(many.bytes == one.bytes) << threads << " threads";
    }
}

TEST(VmdkWriter, LayoutEndsWithDirectoryFooterAndEndMarker) {
    const std::uint64_t size = (100 << 10) + 512;  // not a multiple of the grain size
    MemorySource src(size, {{0, size}});
    fill(src.data(), 0, size, 5);
    Written w = write(src, 1);
    vm::Header h = vm::decode_header({w.bytes.data(), 512});
    EXPECT_EQ(h.gd_offset, vm::kGdAtEnd);
    EXPECT_EQ(h.capacity, size / 512);
    const std::uint8_t* end = w.bytes.data() + w.bytes.size();
    vm::Marker eos = vm::decode_marker({end - 512, 16});
    EXPECT_EQ(eos.value, 0u);
    EXPECT_EQ(eos.type, 0u);
    vm::Marker footer_marker = vm::decode_marker({end - 1536, 16});
    EXPECT_EQ(footer_marker.type, 3u);
    vm::Header footer = vm::decode_header({end - 1024, 512});
    ASSERT_NE(footer.gd_offset, vm::kGdAtEnd);
    vm::Marker gd_marker = vm::decode_marker({w.bytes.data() + (footer.gd_offset - 1) * 512, 16});
    EXPECT_EQ(gd_marker.type, 2u);
    std::uint32_t gt_sector;
    std::memcpy(&gt_sector, w.bytes.data() + footer.gd_offset * 512, 4);
    vm::Marker gt_marker = vm::decode_marker({w.bytes.data() + (gt_sector - 1) * 512, 16});
    EXPECT_EQ(gt_marker.type, 1u);
    EXPECT_EQ(gt_marker.value, 4u);
    std::uint32_t first_grain;
    std::memcpy(&first_grain, w.bytes.data() + gt_sector * 512, 4);
    EXPECT_EQ(first_grain, 128u);  // right after the 64 KiB overhead
    EXPECT_EQ(decode(w.bytes, size), src.data());
    EXPECT_TRUE(check(w.bytes).passed()) << faults(check(w.bytes));
}

TEST(VmdkWriter, EmptyDiskIsValid) {
    MemorySource src(16 << 20, {});
    Written w = write(src, 2);
    EXPECT_EQ(w.result.grains, 0u);
    EXPECT_TRUE(check(w.bytes).passed()) << faults(check(w.bytes));
}

TEST(VmdkWriter, ReadErrorsSurfaceWithoutHanging) {
    MemorySource src(64 << 20, {{0, 64 << 20}});
    src.fail_at_ = 20 << 20;
    FILE* f = std::tmpfile();
    VmdkOptions options;
    options.threads = 4;
    EXPECT_THROW(write_stream_vmdk(src, fileno(f), options), Error);
    std::fclose(f);
}

TEST(VmdkCheck, CatchesDamage) {
    const std::uint64_t size = 8 << 20;
    MemorySource src(size, {{0, size}});
    fill(src.data(), 0, size, 9);
    Written w = write(src, 2);
    ASSERT_TRUE(check(w.bytes).passed());

    auto flipped = w.bytes;
    flipped[128 * 512 + 200] ^= 0xff;  // inside the first grain's deflate stream
    EXPECT_NE(faults(check(flipped)).find("does not inflate"), std::string::npos)
        << faults(check(flipped));

    auto truncated = w.bytes;
    truncated.resize(truncated.size() - 512);
    EXPECT_NE(faults(check(truncated)).find("end-of-stream"), std::string::npos)
        << faults(check(truncated));

    auto old_version = w.bytes;
    old_version[4] = 1;
    EXPECT_NE(faults(check(old_version)).find("version 1"), std::string::npos);

    auto moved = w.bytes;  // a grain table entry pointing at the wrong grain
    vm::Header footer = vm::decode_header({moved.data() + moved.size() - 1024, 512});
    std::uint32_t gt_sector;
    std::memcpy(&gt_sector, moved.data() + footer.gd_offset * 512, 4);
    std::uint32_t second;
    std::memcpy(&second, moved.data() + gt_sector * 512 + 4, 4);
    std::memcpy(moved.data() + gt_sector * 512, &second, 4);
    EXPECT_NE(faults(check(moved)).find("not where its grain table points"), std::string::npos)
        << faults(check(moved));
}
