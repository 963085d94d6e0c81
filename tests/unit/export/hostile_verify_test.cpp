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

// kiln verify said INVALID (exit 1) with `fault` among its findings.
::testing::AssertionResult faults_with(const kiln_test::CommandResult& r,
                                       const std::string& fault) {
    if (r.exit_code == 1 && r.out.find(fault) != std::string::npos)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << r.ending() << ", no '" << fault << "' in:\n" << r.out;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

// The inputs below are these, each with one thing changed; they must pass as they are.
TEST_F(HostileVerify, TheCraftedBaselinesAreValid) {
    std::string vmdk = TinyVmdk{}.bytes();
    auto r = verify("tiny.vmdk", vmdk);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = verify("node.ova", crafted::ova(baseline_ovf(vmdk), vmdk));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("valid (0 faults, 0 warnings)"), std::string::npos) << r.out;
}

// Two members of one name: a digest reads the first, `tar x` keeps the second.
TEST_F(HostileVerify, DuplicateMemberNameIsAFault) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string other = vmdk;
    other[600] ^= 1;  // inside the descriptor
    EXPECT_TRUE(faults_with(
        verify("node.ova", crafted::ova(baseline_ovf(vmdk), vmdk, {{"node-disk1.vmdk", other}})),
        "FAULT   tar: member 'node-disk1.vmdk' appears 2 times"));
}

TEST_F(HostileVerify, DuplicateReferenceIsAFaultAndItsDiskIsCheckedOnce) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string size = std::to_string(vmdk.size());
    std::string ovf = crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", size) +
                                       crafted::file_ref("node-disk1.vmdk", "file2", size),
                                   crafted::disk("vmdisk1", "file1", "65536"));
    auto r = verify("node.ova", crafted::ova(ovf, vmdk));
    EXPECT_TRUE(faults_with(r, "FAULT   ovf: References names 'node-disk1.vmdk' twice"));
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
    EXPECT_TRUE(faults_with(r, "FAULT   ovf: References names the id 'file1' twice"));
    EXPECT_TRUE(faults_with(r, "FAULT   ovf: DiskSection names the diskId 'vmdisk1' twice"));
}

TEST_F(HostileVerify, MemberOutsideTheManifestIsAFault) {
    std::string vmdk = TinyVmdk{}.bytes();
    EXPECT_TRUE(faults_with(
        verify("node.ova", crafted::ova(baseline_ovf(vmdk), vmdk, {{"payload.sh", "echo hi\n"}})),
        "FAULT   manifest: payload.sh is not in the manifest"));
}

// 2^64 + n parsed without an overflow check is n: the OVF matched the member and the disk.
TEST_F(HostileVerify, OvfNumbersBeyond64BitsAreFaults) {
    std::string vmdk = TinyVmdk{}.bytes();
    const std::string wrapped_capacity = "18446744073709617152";  // 2^64 + 65536
    EXPECT_TRUE(faults_with(
        verify("node.ova", crafted::ova(baseline_ovf(vmdk, wrapped_capacity), vmdk)),
        "FAULT   ovf: Disk vmdisk1 ovf:capacity '" + wrapped_capacity + "' is more than 64 TiB"));

    const std::string wrapped_size = std::to_string(18446744073709551615ULL) + "0";  // > 2^64
    std::string ovf = crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", wrapped_size),
                                   crafted::disk("vmdisk1", "file1", "65536"));
    EXPECT_TRUE(faults_with(verify("node.ova", crafted::ova(ovf, vmdk)),
                            "FAULT   ovf: References/File node-disk1.vmdk has no exact ovf:size"));

    // Within 64 bits, but the capacity times its unit is not.
    std::string units =
        crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", std::to_string(vmdk.size())),
                     crafted::disk("vmdisk1", "file1", "18014398509481984", "byte * 2^10"));
    EXPECT_TRUE(
        faults_with(verify("node.ova", crafted::ova(units, vmdk)),
                    "FAULT   ovf: Disk vmdisk1 ovf:capacity '18014398509481984' in units of "
                    "'byte * 2^10' is more than 64 TiB"));
}

// Capacity 2^55 + 128 sectors: times 512 it wraps to one grain, which the file then holds.
TEST_F(HostileVerify, VmdkCapacityThatWrapsIsAFault) {
    TinyVmdk v;
    v.header.capacity = (1ULL << 55) + 128;
    v.extent_sectors = v.header.capacity;
    EXPECT_TRUE(
        faults_with(verify("wrap.vmdk", v.bytes()),
                    "FAULT   vmdk: wrap.vmdk: capacity of 36028797018964096 sectors is more "
                    "than 64 TiB"));
}

// A footer whose directory offset times 512 wraps to the real directory's place.
TEST_F(HostileVerify, GrainDirectoryOffsetThatWrapsIsAFault) {
    TinyVmdk v;
    v.footer_gd_offset = (1ULL << 55) + 3;
    EXPECT_TRUE(faults_with(verify("wrap.vmdk", v.bytes()),
                            "grain directory offset 36028797018963971 is outside the file"));
}

// A metadata marker claiming 2^64 - 1 sectors follow: (1 + n) * 512 is 0, the walk stood still.
TEST_F(HostileVerify, MetadataMarkerThatDoesNotAdvanceEndsTheWalk) {
    std::string bytes = TinyVmdk{}.bytes();
    crafted::put_u64(bytes, 2 * 512, ~0ULL);  // the grain directory's marker
    EXPECT_TRUE(faults_with(verify("stuck.vmdk", bytes),
                            "the marker at byte 1024 claims 18446744073709551615 sectors, past the "
                            "end of the file"));
}

// A 3.5 KB file whose header puts a 4 GiB descriptor at sector 1.
TEST_F(HostileVerify, DescriptorBeyondTheFileAllocatesNothing) {
    TinyVmdk v;
    v.header.descriptor_size = 1ULL << 23;
    v.header.overhead = 1 + v.header.descriptor_size;
    std::string bytes = v.bytes();
    ASSERT_LT(bytes.size(), 4096u);
    EXPECT_TRUE(faults_with(verify("big-descriptor.vmdk", bytes),
                            "the descriptor (8388608 sectors at sector 1) lies outside the file"));
    EXPECT_LT(peak_child_mib(), kMemoryBoundMiB);
}

// 64 TiB with no grain: 2^30 grains, of which an array per grain would need 4 GiB. What the
// checker holds follows the tables present in the file (none), not the capacity claimed.
TEST_F(HostileVerify, GrainBookkeepingFollowsTheFileNotTheCapacity) {
    TinyVmdk v;
    v.header.capacity = 1ULL << 37;  // sectors: 64 TiB, the limit
    v.extent_sectors = v.header.capacity;
    std::string bytes = v.bytes();  // 8 MiB, nearly all of it the (empty) grain directory
    auto r = verify("huge-empty.vmdk", bytes);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_LT(peak_child_mib(), kMemoryBoundMiB);
}

// Two directory entries pointing at one grain table: one table's entries would stand for two.
TEST_F(HostileVerify, SharedGrainTableIsAFault) {
    TinyVmdk v;
    v.header.capacity = 2 * 65536;  // sectors: 64 MiB, two grain tables
    v.extent_sectors = v.header.capacity;
    v.with_grain_table = true;
    v.directory = {TinyVmdk::kGrainTableSector, TinyVmdk::kGrainTableSector};
    EXPECT_TRUE(
        faults_with(verify("shared.vmdk", v.bytes()), "grain tables 0 and 1 are both at sector 3"));
}

// Terminal escapes and bytes that are not UTF-8 in member names: shown as \x escapes in the
// text report, and the JSON report stays JSON.
// Each limit of export/verify/limits.hpp is a fault that names it.
TEST_F(HostileVerify, MoreMembersThanTheLimitIsAFault) {
    std::vector<crafted::TarEntry> entries;
    for (int i = 0; i <= 1024; ++i) entries.push_back({"m" + std::to_string(i), ""});
    EXPECT_TRUE(faults_with(verify("many.ova", crafted::ustar(entries)),
                            "FAULT   tar: the archive holds more than 1024 members"));
}

TEST_F(HostileVerify, TextMembersBeyondTheirLimitAreNotRead) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string ovf = baseline_ovf(vmdk);
    ovf += std::string((16u << 20) + 1 - ovf.size(), ' ');
    EXPECT_TRUE(faults_with(verify("node.ova", crafted::ova(ovf, vmdk)),
                            "FAULT   ovf: node.ovf is 16777217 bytes, more than the limit of "
                            "16777216"));
}

// 300 faults of one check: 100 listed, the others counted.
TEST_F(HostileVerify, FindingsBeyondAHundredACheckAreCounted) {
    std::string vmdk = TinyVmdk{}.bytes();
    std::string ovf = baseline_ovf(vmdk);
    std::string properties = "<ProductSection><Info>p</Info>";
    for (int i = 0; i < 300; ++i) properties += "<Property ovf:type=\"string\"/>";
    ovf.insert(ovf.find("</VirtualSystem>"), properties + "</ProductSection>");
    std::string ova = crafted::ova(ovf, vmdk);
    auto r = verify("node.ova", ova);
    EXPECT_TRUE(faults_with(r, "FAULT   ovf: 200 more fault(s) not listed (at most 100 a check)"));
    EXPECT_EQ(count(r.out, "a Property lacks ovf:key"), 100u);
    EXPECT_NE(r.out.find("INVALID (300 faults"), std::string::npos) << r.out;

    r = verify("node.ova", ova, true);
    auto report = nlohmann::json::parse(r.out)["artifacts"][0];
    EXPECT_EQ(report["faults"], 300);
    EXPECT_EQ(report["unlisted"]["ovf"]["faults"], 200);
}

// Terminal escapes, bytes that are not UTF-8 and a right-to-left override in member names:
// escaped in the text report, and the JSON report stays JSON.
TEST_F(HostileVerify, MemberNamesAreEscapedInTextAndJson) {
    std::string vmdk = TinyVmdk{}.bytes();
    const std::string escape = "title\x1b]0;owned\x07\x1b[2J.txt";
    const std::string latin1 = "caf\xe9\xff.txt";
    const std::string reversed = "report\u202etxt.exe";  // shows as "reportexe.txt"
    std::string ova =
        crafted::ova(baseline_ovf(vmdk), vmdk,
                     {{escape, "x"}, {latin1, "y"}, {reversed, ""}, {"ok-\u00e9.txt", ""}});
    auto r = verify("names.ova", ova);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\x07'), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\xff'), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("title\\x1b]0;owned\\x07\\x1b[2J.txt is not in the manifest"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("caf\\xe9\\xff.txt is not in the manifest"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("report\\u202etxt.exe is not in the manifest"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("ok-\u00e9.txt is not in the manifest"), std::string::npos) << r.out;

    r = verify("names.ova", ova, true);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    nlohmann::json doc;
    ASSERT_NO_THROW(doc = nlohmann::json::parse(r.out)) << r.out;
    std::string details;
    for (const auto& f : doc["artifacts"][0]["findings"]) details += f["detail"].get<std::string>();
    EXPECT_NE(details.find("caf\\xe9\\xff.txt is not in the manifest"), std::string::npos)
        << details;
    EXPECT_EQ(details.find('\x1b'), std::string::npos) << details;
}
