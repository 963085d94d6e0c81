// The OVA's tar headers carry nothing of the machine or the moment: the requested mtime (the
// build's SOURCE_DATE_EPOCH), root/root with ids 0, mode 0644, members in the order OVF, manifest,
// disk; and two exports of one disk are the same bytes whatever the thread count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "export/exporter.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

struct UstarHeader {
    std::string name, mode, uid, gid, mtime, uname, gname;
    std::uint64_t size = 0;
};

std::string field(const std::string& block, std::size_t offset, std::size_t length) {
    std::string f = block.substr(offset, length);
    return f.substr(0, f.find('\0'));
}

// Every member's header, walking the archive by the sizes the headers give.
std::vector<UstarHeader> headers(const std::string& tar) {
    std::vector<UstarHeader> out;
    for (std::size_t at = 0; at + 512 <= tar.size();) {
        std::string block = tar.substr(at, 512);
        if (block == std::string(512, '\0')) break;
        UstarHeader h{field(block, 0, 100), field(block, 100, 8),  field(block, 108, 8),
                      field(block, 116, 8), field(block, 136, 12), field(block, 265, 32),
                      field(block, 297, 32)};
        h.size = std::stoull(field(block, 124, 12), nullptr, 8);
        out.push_back(h);
        at += 512 + (h.size + 511) / 512 * 512;
    }
    return out;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class OvaTar : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("kiln-ova-tar-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::ofstream disk(dir_ / "disk.raw", std::ios::binary);
        std::string data(3 << 20, '\0');
        for (std::size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>(i >> 12);
        disk << data;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string export_ova(const std::string& name, unsigned threads) {
        exporter::ExportRequest r;
        r.source = dir_ / "disk.raw";
        r.source_format = "raw";
        r.output = dir_ / (name + ".ova");
        r.base_name = "node";
        r.threads = threads;
        r.mtime = 1700000000;
        exporter::export_disk(r);
        return read_all(r.output);
    }

    fs::path dir_;
};

TEST_F(OvaTar, HeadersCarryTheEpochRootAndAFixedOrder) {
    auto members = headers(export_ova("a", 1));
    ASSERT_EQ(members.size(), 3u);
    EXPECT_EQ(members[0].name, "node.ovf");
    EXPECT_EQ(members[1].name, "node.mf");
    EXPECT_EQ(members[2].name, "node-disk1.vmdk");
    for (const auto& h : members) {
        SCOPED_TRACE(h.name);
        EXPECT_EQ(std::stoll(h.mtime, nullptr, 8), 1700000000);
        EXPECT_EQ(std::stoll(h.uid, nullptr, 8), 0);
        EXPECT_EQ(std::stoll(h.gid, nullptr, 8), 0);
        EXPECT_EQ(std::stoll(h.mode, nullptr, 8), 0644);
        EXPECT_EQ(h.uname, "root");
        EXPECT_EQ(h.gname, "root");
    }
}

TEST_F(OvaTar, TheSameDiskGivesTheSameBytesWhateverTheThreads) {
    std::string one = export_ova("one", 1), four = export_ova("four", 4);
    EXPECT_FALSE(one.empty());
    EXPECT_TRUE(one == four) << "the OVA depends on the thread count";
}

}  // namespace
