#include "export/ova_manifest.hpp"

#include <gtest/gtest.h>

#include "enum_names_check.hpp"
#include "export/verify.hpp"

using namespace kiln::exporter;

TEST(Manifest, LinesAreExactlyVmwareShape) {
    std::string hex(64, 'a');
    std::string text = format_manifest({{DigestKind::sha256, "node.ovf", hex},
                                        {DigestKind::sha1, "d.vmdk", std::string(40, 'b')}});
    EXPECT_EQ(text, "SHA256(node.ovf)= " + hex + "\nSHA1(d.vmdk)= " + std::string(40, 'b') + "\n");
}

TEST(Manifest, ParsesGoodLines) {
    std::string problem;
    auto e = parse_manifest_line("SHA256(my disk.vmdk)= " + std::string(64, '0'), &problem);
    ASSERT_TRUE(e) << problem;
    EXPECT_EQ(e->name, "my disk.vmdk");
    EXPECT_EQ(e->kind, DigestKind::sha256);
}

TEST(Manifest, RejectsBadLines) {
    const std::string hex(64, 'c');
    struct Case {
        std::string line, expect;
    };
    for (const auto& c : std::vector<Case>{
             {"SHA256(x.ovf) = " + hex, "NAME)= HEX"},  // space before '='
             {"SHA256(x.ovf)=" + hex, "NAME)= HEX"},    // no space after
             {"MD5(x.ovf)= " + hex, "unknown digest"},
             {"SHA256(x.ovf)= " + std::string(64, 'C'), "lowercase"},
             {"SHA256(x.ovf)= " + hex.substr(1), "64"},
             {"SHA1(x.ovf)= " + hex, "40"},
             {"SHA256()= " + hex, "empty file name"},
             {"garbage", "no '('"},
         }) {
        std::string problem;
        EXPECT_FALSE(parse_manifest_line(c.line, &problem)) << c.line;
        EXPECT_NE(problem.find(c.expect), std::string::npos) << c.line << " -> " << problem;
    }
}

TEST(Manifest, CollectsProblemsPerLine) {
    std::vector<std::string> problems;
    auto entries = parse_manifest(
        "SHA256(a)= " + std::string(64, 'a') + "\nbroken\nSHA256(b)= " + std::string(64, 'b'),
        problems);
    EXPECT_EQ(entries.size(), 2u);
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_NE(problems[0].find("newline"), std::string::npos);
    EXPECT_NE(problems[1].find("line 2"), std::string::npos);
}

TEST(EnumNames, ExportEnumsRoundTrip) {
    kiln::test::expect_names_round_trip(DigestKind::sha1);
    kiln::test::expect_names_round_trip(Outcome::fault);
    EXPECT_EQ(kiln::to_string(DigestKind::sha256), "SHA256");
}
