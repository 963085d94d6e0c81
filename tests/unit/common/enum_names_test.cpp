#include "kiln/enum_names.hpp"

#include <gtest/gtest.h>

#include "enum_names_check.hpp"
#include "kiln/diagnostics.hpp"
#include "kiln/image_config.hpp"

namespace kiln {
namespace {

enum class Colour { red, light_blue };
constexpr auto name_table(Colour) {
    using enum Colour;
    return std::to_array<EnumName<Colour>>({{red, "red"}, {light_blue, "light-blue"}});
}

TEST(EnumNames, TableGivesNamesParsingAndHint) {
    EXPECT_EQ(to_string(Colour::light_blue), "light-blue");
    EXPECT_EQ(parse_enum<Colour>("light-blue"), Colour::light_blue);
    EXPECT_FALSE(parse_enum<Colour>("light_blue"));
    EXPECT_EQ(enum_names<Colour>(), (std::vector<std::string>{"red", "light-blue"}));
    EXPECT_EQ(one_of<Colour>(), "one of red, light-blue");
    EXPECT_EQ(to_string(static_cast<Colour>(7)), "?");
}

TEST(EnumNames, OneOfListsPlainNames) {
    EXPECT_EQ(one_of({"etcd"}), "one of etcd");
    EXPECT_EQ(one_of({"a", "b", "c"}), "one of a, b, c");
}

TEST(EnumNames, CommonEnumsRoundTrip) {
    test::expect_names_round_trip(Severity::warning);
    test::expect_names_round_trip(image::OsFamily::el);
    test::expect_names_round_trip(image::NetworkBackend::ifcfg);
}

}  // namespace
}  // namespace kiln
