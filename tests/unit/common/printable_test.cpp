#include "kiln/printable.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kiln/utf8.hpp"

using kiln::printable;

TEST(Printable, KeepsUtf8AndEscapesControls) {
    EXPECT_EQ(printable("node-disk1.vmdk"), "node-disk1.vmdk");
    EXPECT_EQ(printable("d\u00e9j\u00e0 \u4e2d \U0001f600"), "d\u00e9j\u00e0 \u4e2d \U0001f600");
    EXPECT_EQ(printable("a\x1b[2Jb\tc\n\x7f"), "a\\x1b[2Jb\\x09c\\x0a\\x7f");
    EXPECT_EQ(printable("\u009b31m"), "\\u009b31m");  // C1 CSI, as UTF-8
    EXPECT_EQ(printable("a\u202eb\u200bc\u2066d\ufeff"), "a\\u202eb\\u200bc\\u2066d\\ufeff");
}

TEST(Printable, EscapesEveryByteThatIsNotUtf8) {
    EXPECT_EQ(printable("caf\xe9"), "caf\\xe9");                       // Latin-1
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
    EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
    EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");                    // truncated
    EXPECT_EQ(printable("\x80x\xff"), "\\x80x\\xff");
    EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
}

TEST(Printable, KeepsOnlyTheAsciiCharactersAskedFor) {
    EXPECT_EQ(printable("a\tb\nc\x1b", "\t"), "a\tb\\x0ac\\x1b");
    EXPECT_EQ(printable("line 1\nline 2\r\n", "\n"), "line 1\nline 2\\x0d\n");
}

TEST(Printable, JsonDocumentsGetEveryStringEscapedAndStayDumpable) {
    nlohmann::json hostile = {{"name\xff", "a\x1b[31mb"}, {"list", {"\xc3\x28", 7, true}}};
    nlohmann::json safe = kiln::printable_json(hostile);
    EXPECT_EQ(safe["name\\xff"], "a\\x1b[31mb");
    EXPECT_EQ(safe["list"][0], "\\xc3(");
    EXPECT_EQ(safe["list"][1], 7);
    EXPECT_THROW(hostile.dump(), nlohmann::json::type_error);
    EXPECT_NO_THROW(safe.dump());
}

TEST(Utf8, FindsTheFirstByteThatIsNotUtf8) {
    EXPECT_EQ(kiln::utf8::first_invalid("plain \u00e9t\u00e9 \U0001f600"), std::nullopt);
    EXPECT_EQ(kiln::utf8::first_invalid("ab\xff"), 2u);
    EXPECT_EQ(kiln::utf8::first_invalid("\u00e9\xed\xa0\x80"), 2u);  // a surrogate after é
}
