#include "kiln/regular_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace kiln;

namespace {

std::string problem_of(const std::variant<std::string, FileProblem>& read) {
    return std::holds_alternative<FileProblem>(read) ? std::get<FileProblem>(read).message : "";
}

class RegularFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("kiln-regular-file-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(RegularFileTest, ReadsARegularFileUpToTheLimit) {
    std::ofstream(dir_ / "a.yml") << "version: 1\n";
    auto read = read_regular_file(dir_ / "a.yml", 11);
    ASSERT_TRUE(std::holds_alternative<std::string>(read)) << problem_of(read);
    EXPECT_EQ(std::get<std::string>(read), "version: 1\n");
    EXPECT_EQ(problem_of(read_regular_file(dir_ / "a.yml", 10)),
              "is larger than 10 bytes (the limit)");
}

// A FIFO without a writer would block open(2), and /dev/zero never ends: both are refused
// before a byte is read.
TEST_F(RegularFileTest, RefusesFifosDevicesAndFolders) {
    ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
    EXPECT_EQ(problem_of(read_regular_file(dir_ / "fifo", 1 << 20)),
              "is a FIFO, not a regular file");
    EXPECT_EQ(problem_of(read_regular_file("/dev/zero", 1 << 20)),
              "is a character device, not a regular file");
    EXPECT_EQ(problem_of(read_regular_file(dir_, 1 << 20)), "is a folder, not a regular file");
    EXPECT_EQ(problem_of(read_regular_file(dir_ / "absent", 1 << 20)),
              "cannot be opened: No such file or directory");
}

}  // namespace
