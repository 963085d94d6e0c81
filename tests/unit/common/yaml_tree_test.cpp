#include "kiln/yaml_tree.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace kiln;

namespace {
std::optional<yaml::Node> parse(const std::string& text, Report& report) {
    SourceFiles sources;
    return yaml::load_string("t.yml", text, sources, report);
}
}  // namespace

TEST(YamlTree, KeepsLineAndColumnOfKeysAndValues) {
    Report report;
    auto root = parse("a: 1\nb:\n  - x\n  - \"y\"\n", report);
    ASSERT_TRUE(root);
    const yaml::Node* b = root->find("b");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->key_location, (Location{"t.yml", 2, 1}));
    ASSERT_EQ(b->children.size(), 2u);
    EXPECT_EQ(b->children[1].location, (Location{"t.yml", 4, 5}));
    EXPECT_FALSE(b->children[0].quoted);
    EXPECT_TRUE(b->children[1].quoted);
    EXPECT_TRUE(report.empty());
}

TEST(YamlTree, DuplicateKeysAreErrorsNamingTheFirst) {
    Report report;
    auto root = parse("a: 1\na: 2\n", report);
    ASSERT_TRUE(root);
    ASSERT_EQ(report.error_count(), 1u);
    EXPECT_EQ(report.diagnostics()[0].location, (Location{"t.yml", 2, 1}));
    EXPECT_NE(report.diagnostics()[0].message.find("t.yml:1:1"), std::string::npos);
}

TEST(YamlTree, SyntaxErrorsAreLocated) {
    Report report;
    EXPECT_FALSE(parse("a: [1, 2\nb: 3\n", report));
    ASSERT_EQ(report.error_count(), 1u);
    EXPECT_TRUE(report.diagnostics()[0].location.has_position());
}

TEST(YamlTree, EmptyAndTildeAreNullAndTagsAreKept) {
    Report report;
    auto root = parse("a:\nb: ~\nc: \"\"\nd: !replace [1]\n", report);
    ASSERT_TRUE(root);
    for (auto key : {"a", "b", "c", "d"}) ASSERT_TRUE(root->find(key)) << key;
    EXPECT_TRUE(root->find("a")->is_null());
    EXPECT_TRUE(root->find("b")->is_null());
    EXPECT_FALSE(root->find("c")->is_null());
    EXPECT_EQ(root->find("d")->tag, "!replace");
}

TEST(Report, FormatsSortedWithQuotedLineAndCaret) {
    SourceFiles sources;
    sources.add("p.yml", "version: 1\ndisk:\n  size: huge\n");
    Report report;
    report.warning({"p.yml", 3, 9}, "second");
    report.error({"p.yml", 1, 10}, "first");
    EXPECT_EQ(report.format(&sources),
              "p.yml:1:10: error: first\n"
              " 1 | version: 1\n"
              "   |          ^\n"
              "p.yml:3:9: warning: second\n"
              " 3 |   size: huge\n"
              "   |         ^\n");
    auto json = report.to_json();
    EXPECT_EQ(json["errors"], 1);
    EXPECT_EQ(json["diagnostics"][1]["line"], 3);
    report.promote_warnings();
    EXPECT_EQ(report.error_count(), 2u);
}
