#include "bake/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace {

using kiln::bake::Command;
using kiln::bake::run;

// Tools see only stdin, stdout and stderr: mmdebstrap hands apt a pipe whose number it does
// not choose, and dash (its /bin/sh) cannot redirect to a descriptor above 9, so descriptors
// inherited from whoever started kiln (CTest keeps several open) broke the bootstrap.
TEST(Process, ToolsInheritOnlyTheStandardDescriptors) {
    int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: it would leak without the fix
    ASSERT_GE(leaked, 0);
    ASSERT_EQ(::dup2(leaked, 11), 11);
    Command c({"sh", "-c", "ls /proc/$$/fd"});
    c.capture_stdout = true;
    auto r = run(c);
    ::close(11);
    ::close(leaked);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "0\n1\n2\n");
}

}  // namespace
