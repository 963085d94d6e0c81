// kiln verify fed hostile OVAs and VMDKs built byte by byte (crafted.hpp), run as a user runs
// it: each input ends in a located fault and exit 1, within a timeout (a hang fails the test),
// in bounded memory, with every byte of a name printed safely in text and in --json.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "crafted.hpp"

namespace fs = std::filesystem;
namespace vm = kiln::exporter::vmdk;
using crafted::TinyVmdk;

namespace {

constexpr auto kTimeout = std::chrono::seconds(20);  // each input takes milliseconds
constexpr long kMemoryBoundMiB = 256;                // no input here needs more than a few MiB

class HostileVerify : public ::testing::Test {
protected:
    fs::path dir;

    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("kiln-hostile-verify-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    // `kiln verify [--json] NAME` of `bytes` written to NAME; stdout only.
    kiln_test::CommandResult verify(const std::string& name, const std::string& bytes,
                                    bool json = false) {
        fs::path file = dir / name;
        std::ofstream(file, std::ios::binary) << bytes;
        std::vector<std::string> argv = {KILN_BINARY_DIR "/builder/kiln", "verify", file.string()};
        if (json) argv.push_back("--json");
        kiln_test::CommandOptions options;
        options.merge_stderr = false;
        options.timeout = kTimeout;
        return kiln_test::run_command(argv, options);
    }

    // The most memory any program this test ran held at once (ru_maxrss of the children).
    static long peak_child_mib() {
        rusage usage{};
        ::getrusage(RUSAGE_CHILDREN, &usage);
        return usage.ru_maxrss / 1024;
    }
};

std::string baseline_ovf(const std::string& vmdk, const std::string& capacity = "65536") {
    return crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", std::to_string(vmdk.size())),
                        crafted::disk("vmdisk1", "file1", capacity));
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_F(HostileVerify, TheCraftedBaselinesAreValid) {
    std::string vmdk = TinyVmdk{}.bytes();
    auto r = verify("tiny.vmdk", vmdk);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = verify("node.ova", crafted::ova(baseline_ovf(vmdk), vmdk));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("valid (0 faults, 0 warnings)"), std::string::npos) << r.out;
}

TEST_F(HostileVerify, DuplicateMemberNameIsAFault) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string other = vmdk;
    other[600] ^= 1;  // inside the descriptor
    auto r =
        verify("node.ova", crafted::ova(baseline_ovf(vmdk), vmdk, {{"node-disk1.vmdk", other}}));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   tar: member 'node-disk1.vmdk' appears 2 times"),
              std::string::npos)
        << r.out;
}

TEST_F(HostileVerify, DuplicateReferenceIsAFaultAndItsDiskIsCheckedOnce) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string size = std::to_string(vmdk.size());
    std::string ovf = crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", size) +
                                       crafted::file_ref("node-disk1.vmdk", "file2", size),
                                   crafted::disk("vmdisk1", "file1", "65536"));
    auto r = verify("node.ova", crafted::ova(ovf, vmdk));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   ovf: References names 'node-disk1.vmdk' twice"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(count(r.out, " vmdk: node-disk1.vmdk"), 1u) << r.out;
}

TEST_F(HostileVerify, DuplicateFileOrDiskIdIsAFault) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string size = std::to_string(vmdk.size());
    std::string ovf = crafted::ovf(
        crafted::file_ref("node-disk1.vmdk", "file1", size) +
            crafted::file_ref("node-disk2.vmdk", "file1", "512"),
        crafted::disk("vmdisk1", "file1", "65536") + crafted::disk("vmdisk1", "file1", "65536"));
    auto r = verify("node.ova", crafted::ova(ovf, vmdk));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   ovf: References names the id 'file1' twice"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("FAULT   ovf: DiskSection names the diskId 'vmdisk1' twice"),
              std::string::npos)
        << r.out;
}

TEST_F(HostileVerify, MemberOutsideTheManifestIsAFault) {
    std::string vmdk = TinyVmdk{}.bytes();
    auto r =
        verify("node.ova", crafted::ova(baseline_ovf(vmdk), vmdk, {{"payload.sh", "echo hi\n"}}));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   manifest: payload.sh is not in the manifest"), std::string::npos)
        << r.out;
}
