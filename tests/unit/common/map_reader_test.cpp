// The typed reader that profiles, inventories and /etc/kiln/image.yml share.
#include "kiln/map_reader.hpp"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

enum class Shape { round, square, hexagonal };
constexpr auto name_table(Shape) {
    using enum Shape;
    return std::to_array<EnumName<Shape>>(
        {{round, "round"}, {square, "square"}, {hexagonal, "hexagonal"}});
}

struct Read {
    Report report;
    std::string text;
};

template <class F>
Read read(const std::string& yaml_text, F&& body) {
    Read out;
    SourceFiles sources;
    auto root = yaml::load_string("t.yml", yaml_text, sources, out.report);
    EXPECT_TRUE(root);
    {
        yaml::MapReader r(*root, "", out.report, "the test file");
        body(r);
    }
    out.text = out.report.format(nullptr);
    return out;
}

TEST(MapReader, ReadsTypedValuesWithTheirLocations) {
    std::optional<Text> name;
    std::optional<Located<long long>> size;
    std::optional<bool> flag;
    std::optional<Shape> shape;
    TextList items;
    auto r = read("name: a\nsize: 12\nflag: false\nshape: square\nitems: [x, y]\n",
                  [&](yaml::MapReader& r) {
                      name = r.text("name");
                      size = r.integer("size", 1, 100);
                      flag = r.boolean("flag");
                      shape = r.choice<Shape>("shape");
                      items = r.text_list("items");
                  });
    EXPECT_TRUE(r.report.empty()) << r.text;
    EXPECT_EQ(name->value, "a");
    EXPECT_EQ(name->where, (Location{"t.yml", 1, 7}));
    EXPECT_EQ(size->value, 12);
    EXPECT_EQ(flag, false);
    EXPECT_EQ(shape, Shape::square);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[1].where, (Location{"t.yml", 5, 12}));
}

TEST(MapReader, AChoiceErrorListsEveryName) {
    auto r =
        read("shape: oval\n", [](yaml::MapReader& r) { EXPECT_FALSE(r.choice<Shape>("shape")); });
    EXPECT_NE(r.text.find("t.yml:1:8: error: 'shape' must be one of round, square, hexagonal; "
                          "found 'oval'"),
              std::string::npos)
        << r.text;
}

TEST(MapReader, ProblemsNameTheDocumentOrTheKeyPath) {
    auto r = read("nested: {colour: red}\nsize: 500\nlist: 3\n", [](yaml::MapReader& r) {
        r.text("name", true);
        r.integer("size", 1, 100);
        r.text_list("list");
        yaml::MapReader nested(*r.get("nested"), "nested", r.report());
        nested.text("color");
    });
    for (const char* expected :
         {"t.yml:1:1: error: missing required key 'name' in 'the test file'",
          "t.yml:2:7: error: 'size' must be an integer from 1 to 100, found '500'",
          "t.yml:3:7: error: 'list' must be a list of strings, found a scalar",
          "t.yml:1:10: warning: unknown key 'colour' in 'nested' (did you mean 'color'?)"})
        EXPECT_NE(r.text.find(expected), std::string::npos) << expected << "\n" << r.text;
}

TEST(MapReader, UnknownTopLevelKeysAreWarnedOnceWithAHint) {
    auto r = read("nmae: a\n", [](yaml::MapReader& r) {
        r.text("name");
        r.finish();
    });
    EXPECT_EQ(r.report.warning_count(), 1u);
    EXPECT_NE(r.text.find("unknown key 'nmae' in 'the test file' (did you mean 'name'?)"),
              std::string::npos)
        << r.text;
}

TEST(MapReader, ANonMappingIsReportedOnce) {
    Report report;
    SourceFiles sources;
    auto root = yaml::load_string("t.yml", "- a\n", sources, report);
    yaml::MapReader r(*root, "", report, "the test file");
    EXPECT_FALSE(r.valid());
    EXPECT_FALSE(r.text("a"));
    EXPECT_EQ(report.error_count(), 1u);
    EXPECT_NE(report.format(nullptr).find("'the test file' must be a mapping, found a list"),
              std::string::npos);
}

}  // namespace
