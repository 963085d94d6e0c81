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

TEST(YamlTree, NestingDeeperThanTheLimitIsAnError) {
    Report report;
    std::string deep = "a: " + std::string(100, '[') + std::string(100, ']') + "\n";
    EXPECT_FALSE(parse(deep, report));
    ASSERT_EQ(report.error_count(), 1u);
    EXPECT_NE(report.diagnostics()[0].message.find("nest deeper than 64 levels (the limit)"),
              std::string::npos)
        << report.diagnostics()[0].message;
    EXPECT_TRUE(parse("a: " + std::string(60, '[') + std::string(60, ']') + "\n", report));
}

TEST(YamlTree, TextOfAliasesExpandedIsLimited) {
    // 1 MiB of text, aliased 32 times.
    std::string text = "a: &a \"" + std::string(1 << 20, 'x') + "\"\nb: [";
    for (int i = 0; i < 32; ++i) text += "*a, ";
    text += "*a]\n";
    Report report;
    EXPECT_FALSE(parse(text, report));
    ASSERT_EQ(report.error_count(), 1u);
    EXPECT_NE(report.diagnostics()[0].message.find("16777216 bytes of text"), std::string::npos)
        << report.diagnostics()[0].message;
}

TEST(Report, ListsErrorsBeforeWarningsUpToTheCapAndCountsTheRest) {
    Report report;
    for (int line = 1; line <= 150; ++line) report.warning({"p.yml", line, 1}, "a warning");
    report.error({"p.yml", 200, 1}, "the error after every warning");
    std::string text = report.format(nullptr);
    EXPECT_NE(text.find("p.yml:200:1: error: the error after every warning"), std::string::npos);
    EXPECT_NE(text.find("p.yml:99:1: warning"), std::string::npos);
    EXPECT_EQ(text.find("p.yml:100:1: warning"), std::string::npos);
    EXPECT_NE(text.find("\n51 more problems not shown"), std::string::npos);
    auto json = report.to_json();
    EXPECT_EQ(json["diagnostics"].size(), Report::kMaxShown);
    EXPECT_EQ(json["not_shown"], 51);
    EXPECT_EQ(json["warnings"], 150);
}

TEST(Report, QuotedLinesAndMessagesAreMadePrintable) {
    SourceFiles sources;
    sources.add("p.yml", "key:\t\"caf\u00e9\" \x1b[2J: x\n");
    Report report;
    report.error({"p.yml", 1, 14}, "unknown key '\x1b[2J'");
    EXPECT_EQ(report.format(&sources),
              "p.yml:1:14: error: unknown key '\\x1b[2J'\n"
              " 1 | key:\t\"caf\u00e9\" \\x1b[2J: x\n"
              "   |     \t       ^\n");
}
