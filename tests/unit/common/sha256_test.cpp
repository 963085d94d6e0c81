#include "kiln/sha256.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kiln/atomic_file.hpp"
#include "kiln/error.hpp"

namespace fs = std::filesystem;
using namespace kiln;

TEST(Sha256, MatchesKnownVectorsAndFieldsAreDelimited) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_NE(Sha256().field("ab").field("c").hex_digest(),
              Sha256().field("a").field("bc").hex_digest());
    EXPECT_TRUE(is_sha256_hex(sha256_hex("x")));
    EXPECT_FALSE(is_sha256_hex("abc"));
}

TEST(AtomicFile, AppearsOnlyWhenCommitted) {
    fs::path dir = fs::temp_directory_path() / ("kiln-atomic-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path target = dir / "out.txt";
    {
        AtomicFile file(target, 0600);
        file.write("partial");
        EXPECT_FALSE(fs::exists(target));
    }  // destroyed without commit
    EXPECT_FALSE(fs::exists(target));
    EXPECT_TRUE(fs::is_empty(dir));

    write_file_atomically(target, "complete", 0600);
    EXPECT_EQ(sha256_file_hex(target), sha256_hex("complete"));
    EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_THROW(write_file_atomically(dir / "missing" / "x", "y"), SystemError);
    fs::remove_all(dir);
}
