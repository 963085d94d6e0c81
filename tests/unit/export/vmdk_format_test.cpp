#include "export/vmdk_format.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace kiln::exporter::vmdk;

TEST(VmdkHeader, EncodesTheVmwareLayout) {
    Header h;
    h.capacity = 4194304;  // 2 GiB
    h.gd_offset = kGdAtEnd;
    Sector s = encode_header(h);
    EXPECT_EQ(std::memcmp(s.data(), "KDMV", 4), 0);
    EXPECT_EQ(s[4], 3);  // version 3, ESXi needs it
    EXPECT_EQ(s[8], 0x01);
    EXPECT_EQ(s[10], 0x03);  // compressed + markers
    std::uint64_t capacity;
    std::memcpy(&capacity, s.data() + 12, 8);
    EXPECT_EQ(capacity, 4194304u);
    std::uint64_t grain;
    std::memcpy(&grain, s.data() + 20, 8);
    EXPECT_EQ(grain, 128u);
    std::uint32_t gtes;
    std::memcpy(&gtes, s.data() + 44, 4);
    EXPECT_EQ(gtes, 512u);
    std::uint64_t gd;
    std::memcpy(&gd, s.data() + 56, 8);
    EXPECT_EQ(gd, kGdAtEnd);
    EXPECT_EQ(std::memcmp(s.data() + 73, "\n \r\n", 4), 0);
    EXPECT_EQ(s[77], 1);  // deflate
    for (std::size_t i = 79; i < 512; ++i) ASSERT_EQ(s[i], 0) << "padding byte " << i;
}

TEST(VmdkHeader, RoundTripsAndRejectsOldMangledOrUncompressedHeaders) {
    Header h;
    h.capacity = 12345 * 128;
    h.gd_offset = 999;
    Sector s = encode_header(h);
    Header back = decode_header(s);
    EXPECT_EQ(back, h);
    EXPECT_FALSE(check_stream_header(back));

    Header old = h;
    old.version = 1;
    ASSERT_TRUE(check_stream_header(old));
    EXPECT_NE(check_stream_header(old)->find("version 1"), std::string::npos);

    Header mangled = h;
    mangled.newline_chars = {'\n', ' ', '\n', '\n'};  // went through a CRLF conversion
    EXPECT_TRUE(check_stream_header(mangled));

    Header uncompressed = h;
    uncompressed.flags = kFlagNewlineTest;
    EXPECT_TRUE(check_stream_header(uncompressed));
}

TEST(VmdkMarker, MetadataMarkersFillASector) {
    Sector s = encode_marker(4, MarkerType::grain_table);
    Marker m = decode_marker(s);
    EXPECT_EQ(m.value, 4u);
    EXPECT_EQ(m.size, 0u);
    EXPECT_EQ(m.type, 1u);
    EXPECT_FALSE(m.is_grain());
    Sector eos = encode_marker(0, MarkerType::end_of_stream);
    for (auto b : eos) ASSERT_EQ(b, 0);
}

TEST(VmdkLayout, CountsGrainsAndTables) {
    EXPECT_EQ(grain_count(0), 0u);
    EXPECT_EQ(grain_count(1), 1u);
    EXPECT_EQ(grain_count(65536), 1u);
    EXPECT_EQ(grain_count(65537), 2u);
    EXPECT_EQ(grain_table_count(32u << 20), 1u);
    EXPECT_EQ(grain_table_count((32u << 20) + 512), 2u);
    EXPECT_EQ(grain_table_count(2ULL << 30), 64u);
    EXPECT_EQ(directory_sectors(64), 1u);
    EXPECT_EQ(directory_sectors(129), 2u);
}

TEST(VmdkLayout, GeometryFollowsVmware) {
    Geometry g = geometry(4194304, "lsilogic");
    EXPECT_EQ(g.heads, 255u);
    EXPECT_EQ(g.sectors, 63u);
    EXPECT_EQ(g.cylinders, 262u);  // ceil(4194304 / 16065)
    EXPECT_EQ(geometry(1ULL << 40, "lsilogic").cylinders, 65535u);
    EXPECT_EQ(geometry(81920, "ide").heads, 16u);
}

TEST(VmdkDescriptor, NamesTheStreamAndParsesBack) {
    DescriptorInfo info;
    info.capacity_sectors = 4194304;
    info.extent_file = "node-disk1.vmdk";
    info.cid = 0x1234abcd;
    info.long_content_id = std::string(32, 'a');
    std::string text = make_descriptor(info);
    EXPECT_NE(text.find("createType=\"streamOptimized\""), std::string::npos);
    EXPECT_NE(text.find("CID=1234abcd\n"), std::string::npos);
    EXPECT_NE(text.find("RW 4194304 SPARSE \"node-disk1.vmdk\"\n"), std::string::npos);
    EXPECT_NE(text.find("ddb.adapterType = \"lsilogic\""), std::string::npos);
    EXPECT_NE(text.find("ddb.geometry.cylinders = \"262\""), std::string::npos);
    EXPECT_LE(text.size(), kDescriptorSectors * kSector);

    std::string problem;
    auto parsed = parse_descriptor(text + std::string(100, '\0'), &problem);
    ASSERT_TRUE(parsed) << problem;
    EXPECT_EQ(parsed->create_type, "streamOptimized");
    EXPECT_EQ(parsed->extent_sectors, 4194304u);
    EXPECT_EQ(parsed->extent_kind, "SPARSE");
    EXPECT_EQ(parsed->adapter, "lsilogic");
}

TEST(VmdkDescriptor, RejectsGarbage) {
    std::string problem;
    EXPECT_FALSE(parse_descriptor("hello\n", &problem));
    EXPECT_NE(problem.find("Disk DescriptorFile"), std::string::npos);
    EXPECT_FALSE(parse_descriptor("# Disk DescriptorFile\nversion=1\n", &problem));
    EXPECT_NE(problem.find("0 extents"), std::string::npos);
}
