#include "kiln/unique_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <type_traits>

namespace {

using kiln::UniqueFd;

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) >= 0;
}

static_assert(!std::is_copy_constructible_v<UniqueFd> && !std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);

TEST(UniqueFd, ClosesOnceWhenItsLastOwnerGoes) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    {
        UniqueFd first(fd);
        UniqueFd second(std::move(first));
        EXPECT_FALSE(first);
        EXPECT_EQ(second.get(), fd);
        UniqueFd third;
        third = std::move(second);
        EXPECT_EQ(second.get(), -1);
        EXPECT_TRUE(is_open(fd));
    }
    EXPECT_FALSE(is_open(fd));
}

TEST(UniqueFd, ReleaseGivesUpOwnershipAndResetClosesTheOldOne) {
    int a = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int b = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    UniqueFd owner(a);
    owner.reset(b);
    EXPECT_FALSE(is_open(a));
    EXPECT_EQ(owner.release(), b);
    EXPECT_FALSE(owner);
    owner.reset();
    EXPECT_TRUE(is_open(b));
    ::close(b);
}

TEST(UniqueFd, CloseReportsAndLeavesNothingHeld) {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    int number = fd.get();
    EXPECT_EQ(fd.close(), 0);
    EXPECT_FALSE(fd);
    EXPECT_FALSE(is_open(number));
    EXPECT_EQ(fd.close(), 0);
}

TEST(UniqueFd, PipesAreCloseOnExec) {
    kiln::Pipe pipe = kiln::make_pipe();
    EXPECT_TRUE(::fcntl(pipe.read.get(), F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(::fcntl(pipe.write.get(), F_GETFD) & FD_CLOEXEC);
}

}  // namespace
