#include "export/printable.hpp"

#include <gtest/gtest.h>

using kiln::exporter::printable;

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
