// kiln export / kiln verify end to end, checked by independent consumers: qemu-img compare and
// check, GNU tar, sha256sum, openssl. Disks are real filesystems built with mkfs.ext4 -d.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include "source_location.hpp"
#include <sstream>

#include "command.hpp"

namespace fs = std::filesystem;
using kiln_test::CommandOptions;
using kiln_test::CommandResult;

namespace {

const std::string kKiln = std::string(KILN_BINARY_DIR) + "/builder/kiln";

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

// stdout and stderr apart, as the checks read them.
CommandOptions apart(const fs::path& working_directory = {}) {
    CommandOptions options;
    options.merge_stderr = false;
    options.working_directory = working_directory;
    return options;
}

CommandResult run(const std::vector<std::string>& argv, const fs::path& working_directory = {},
                  kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
    return kiln_test::run_command(argv, apart(working_directory), where);
}

// Only for pipelines and redirections.
CommandResult sh(const std::string& script,
                 kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
    return kiln_test::run_shell(script, apart(), where);
}

std::string q(const fs::path& p) {
    return "'" + p.string() + "'";
}

// coreutils' BSD-style digests ("SHA256 (name) = hex") in the manifest's exact shape.
std::string tagged(const fs::path& dir, const std::string& tool, const std::string& names) {
    return sh("cd " + q(dir) + " && " + tool + " --tag " + names + " | sed 's/ (/(/; s/) = /)= /'")
        .out;
}

std::uint64_t virtual_size(const fs::path& disk) {
    auto r = run({"qemu-img", "info", "--output=json", disk.string()});
    auto at = r.out.find("\"virtual-size\": ");
    return at == std::string::npos ? 0 : std::stoull(r.out.substr(at + 16));
}

// A copy of an OVA with one byte flipped in its middle (inside the disk member).
fs::path flipped_copy(const fs::path& ova, const fs::path& copy) {
    fs::copy_file(ova, copy, fs::copy_options::overwrite_existing);
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    auto at = static_cast<std::streamoff>(fs::file_size(copy) / 2);
    f.seekg(at);
    char c;
    f.get(c);
    f.seekp(at);
    f.put(static_cast<char>(c ^ 0x5a));
    return copy;
}

// One scratch directory and a set of source disks, shared by every test (built once).
class ExportTest : public ::testing::Test {
protected:
    static inline fs::path dir;
    static inline fs::path raw, qcow2, compressed;

    static void SetUpTestSuite() {
        dir = fs::temp_directory_path() / ("kiln-export-test-" + std::to_string(::getpid()));
        fs::create_directories(dir / "tree");
        raw = dir / "source.raw";
        qcow2 = dir / "source.qcow2";
        compressed = dir / "source-compressed.qcow2";
        // A filesystem with real files (about 40 MB of text and binaries) on a 256 MiB disk,
        // so the disk has holes, zero blocks and data that compresses unevenly.
        auto r = sh("cp -a /usr/share/perl5 /usr/lib/x86_64-linux-gnu/libstdc++.so.6* " +
                    q(dir / "tree") + " 2>/dev/null; truncate -s 256M " + q(raw) +
                    " && mkfs.ext4 -q -F -d " + q(dir / "tree") + " " + q(raw) +
                    " && qemu-img convert -f raw -O qcow2 " + q(raw) + " " + q(qcow2) +
                    " && qemu-img convert -c -f raw -O qcow2 " + q(raw) + " " + q(compressed));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    static void TearDownTestSuite() { fs::remove_all(dir); }

    CommandResult kiln(const std::vector<std::string>& args,
                       const std::string& env = "SOURCE_DATE_EPOCH=1700000000",
                       kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
        std::vector<std::string> argv = {kKiln};
        argv.insert(argv.end(), args.begin(), args.end());
        CommandOptions options = apart();
        options.environment = {env};
        return kiln_test::run_command(argv, options, where);
    }

    fs::path export_ova(const fs::path& source, const std::string& name,
                        std::vector<std::string> extra = {}) {
        fs::path out = dir / (name + ".ova");
        std::vector<std::string> args = {"export", source.string(), "-o", out.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = kiln(args);
        EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
        return out;
    }

    // Extracts an OVA into its own folder with GNU tar.
    fs::path extract(const fs::path& ova) {
        fs::path to = dir / (ova.stem().string() + ".d");
        fs::create_directories(to);
        auto r = run({"tar", "-xf", ova.string(), "-C", to.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return to;
    }

    // Rebuilds an OVA from a folder with GNU tar, members in the given order.
    fs::path retar(const fs::path& from, const std::vector<std::string>& members,
                   const std::string& name) {
        fs::path out = dir / name;
        std::vector<std::string> argv = {"tar", "--format=ustar", "-cf", out.string()};
        argv.insert(argv.end(), members.begin(), members.end());
        auto r = run(argv, from);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return out;
    }

    std::vector<std::string> leftovers(const fs::path& where) {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(where))
            if (e.path().filename().string().find(".tmp-") != std::string::npos)
                names.push_back(e.path().string());
        return names;
    }
};

TEST_F(ExportTest, RoundTripThroughQemuFromQcow2) {
    fs::path ova = export_ova(qcow2, "node", {"--name", "pg1"});
    auto tv = run({"tar", "-tvf", ova.string()});
    ASSERT_EQ(tv.exit_code, 0);
    // Order and ownership as GNU tar sees them.
    std::istringstream lines(tv.out);
    std::vector<std::string> names;
    for (std::string line; std::getline(lines, line);) {
        EXPECT_NE(line.find(" root/root "), std::string::npos) << line;
        EXPECT_NE(line.find("2023-11-14"), std::string::npos) << line;  // SOURCE_DATE_EPOCH
        names.push_back(line.substr(line.rfind(' ') + 1));
    }
    EXPECT_EQ(names, (std::vector<std::string>{"node.ovf", "node.mf", "node-disk1.vmdk"}));

    fs::path d = extract(ova);
    fs::path vmdk = d / "node-disk1.vmdk";
    auto compare =
        run({"qemu-img", "compare", "-f", "qcow2", "-F", "vmdk", qcow2.string(), vmdk.string()});
    EXPECT_EQ(compare.exit_code, 0) << compare.out << compare.err;
    EXPECT_EQ(virtual_size(vmdk), virtual_size(qcow2));
    auto check = run({"qemu-img", "check", "-f", "vmdk", vmdk.string()});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    auto info = run({"qemu-img", "info", vmdk.string()});
    EXPECT_NE(info.out.find("create type: streamOptimized"), std::string::npos) << info.out;

    // The manifest, checked with coreutils.
    std::string mf = read(d / "node.mf");
    EXPECT_EQ(mf, tagged(d, "sha256sum", "node.ovf node-disk1.vmdk"));

    // The OVF's References size is the member's exact size.
    std::string ovf = read(d / "node.ovf");
    EXPECT_NE(ovf.find("ovf:size=\"" + std::to_string(fs::file_size(vmdk)) + "\""),
              std::string::npos);
    EXPECT_NE(ovf.find("<Name>pg1</Name>"), std::string::npos);
    auto xml =
        run({"python3", "-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])",
             (d / "node.ovf").string()});
    EXPECT_EQ(xml.exit_code, 0) << xml.err;

    auto verify = kiln({"verify", ova.string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_NE(verify.out.find("valid (0 faults"), std::string::npos) << verify.out;
}

TEST_F(ExportTest, CompressedQcow2AndSparseRawGiveTheSameDisk) {
    fs::path a = export_ova(compressed, "from-compressed");
    fs::path b = export_ova(raw, "from-raw");
    fs::path da = extract(a), db = extract(b);
    auto ca = run({"qemu-img", "compare", "-f", "raw", "-F", "vmdk", raw.string(),
                   (da / "from-compressed-disk1.vmdk").string()});
    EXPECT_EQ(ca.exit_code, 0) << ca.out << ca.err;
    // Same guest data, same VMDK bytes (the descriptor names differ only through the member name).
    auto sa =
        run({"qemu-img", "compare", "-F", "vmdk", "-f", "vmdk",
             (da / "from-compressed-disk1.vmdk").string(), (db / "from-raw-disk1.vmdk").string()});
    EXPECT_EQ(sa.exit_code, 0) << sa.out;
}

TEST_F(ExportTest, ByteIdenticalWhateverTheThreadCount) {
    std::string reference;
    for (const char* threads : {"1", "2", "8"}) {
        fs::path where = dir / (std::string("threads-") + threads);
        fs::create_directories(where);
        auto r = kiln(
            {"export", qcow2.string(), "-o", (where / "same.ova").string(), "--threads", threads});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::string bytes = read(where / "same.ova");
        if (reference.empty()) reference = bytes;
        EXPECT_TRUE(bytes == reference) << "--threads " << threads << " changed the OVA";
    }
    // Another SOURCE_DATE_EPOCH changes only the tar headers' mtimes.
    fs::path later = dir / "later";
    fs::create_directories(later);
    auto r = kiln({"export", qcow2.string(), "-o", (later / "same.ova").string()},
                  "SOURCE_DATE_EPOCH=1800000000");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string bytes = read(later / "same.ova");
    EXPECT_EQ(bytes.size(), reference.size());
    EXPECT_FALSE(bytes == reference);
}

// virt-v2v's OVA reader (manifest check, OVF parse) in seconds: --print-source stops before
// inspection. The full conversion is virt_v2v_test.cpp.
TEST_F(ExportTest, VirtV2vReadsTheOvaAndChecksItsManifest) {
    fs::path ova = export_ova(
        qcow2, "v2v",
        {"--profile", std::string(KILN_SOURCE_DIR) + "/tests/unit/export/golden/node.yml", "--scsi",
         "pvscsi"});
    CommandOptions tcg;  // stderr with stdout, as the checks below read it
    tcg.environment = {"LIBGUESTFS_BACKEND=direct", "LIBGUESTFS_BACKEND_SETTINGS=force_tcg"};
    auto r = kiln_test::run_command({"virt-v2v", "-i", "ova", ova.string(), "--print-source"}, tcg);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("source name: pg-node"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("memory: 4294967296 (bytes)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("nr vCPUs: 2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("firmware: bios"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0 [scsi]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"VM Network\" [vmxnet3]"), std::string::npos) << r.out;

    // The same OVA with one disk byte flipped: virt-v2v's own manifest check refuses it.
    fs::path bad = flipped_copy(ova, dir / "v2v-flipped.ova");
    CommandOptions direct;
    direct.environment = {"LIBGUESTFS_BACKEND=direct"};
    r = kiln_test::run_command({"virt-v2v", "-i", "ova", bad.string(), "--print-source"}, direct);
    EXPECT_NE(r.out.find("checksum of disk v2v-disk1.vmdk does not match manifest"),
              std::string::npos)
        << r.out;
}

TEST_F(ExportTest, VerifyCatchesCorruption) {
    fs::path ova = export_ova(qcow2, "victim");
    fs::path d = extract(ova);

    // A flipped byte in the middle of the disk member.
    fs::path flipped = flipped_copy(ova, dir / "flipped.ova");
    auto r = kiln({"verify", flipped.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   manifest: SHA256 of victim-disk1.vmdk"), std::string::npos)
        << r.out;

    // Wrong member order: the manifest first.
    fs::path reordered =
        retar(d, {"victim.mf", "victim.ovf", "victim-disk1.vmdk"}, "reordered.ova");
    r = kiln({"verify", reordered.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   order: the first member is 'victim.mf'"), std::string::npos)
        << r.out;

    // The disk before the manifest.
    fs::path disk_first =
        retar(d, {"victim.ovf", "victim-disk1.vmdk", "victim.mf"}, "disk-first.ova");
    r = kiln({"verify", disk_first.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   order"), std::string::npos) << r.out;

    // A malformed manifest line (space before '='), everything else intact.
    std::string mf = read(d / "victim.mf");
    std::string bad = mf;
    bad.replace(bad.find(")= "), 3, ") = ");
    write(d / "victim.mf", bad);
    fs::path bad_line = retar(d, {"victim.ovf", "victim.mf", "victim-disk1.vmdk"}, "bad-line.ova");
    r = kiln({"verify", bad_line.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("FAULT   manifest: victim.mf line 1"), std::string::npos) << r.out;

    // A wrong size in the OVF (and its digest updated, so only the size is wrong).
    write(d / "victim.mf", mf);
    std::string ovf = read(d / "victim.ovf");
    std::string size = std::to_string(fs::file_size(d / "victim-disk1.vmdk"));
    ovf.replace(ovf.find("ovf:size=\"" + size), 10 + size.size(), "ovf:size=\"1" + size);
    write(d / "victim.ovf", ovf);
    auto digest = sh("cd " + q(d) +
                     " && sha256sum --tag victim.ovf victim-disk1.vmdk | sed 's/ (/(/; s/) = /)= "
                     "/' > victim.mf");
    ASSERT_EQ(digest.exit_code, 0);
    fs::path bad_size = retar(d, {"victim.ovf", "victim.mf", "victim-disk1.vmdk"}, "bad-size.ova");
    r = kiln({"verify", bad_size.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("References says victim-disk1.vmdk has 1" + size), std::string::npos)
        << r.out;

    // A truncated OVA.
    fs::path cut = dir / "cut.ova";
    fs::copy_file(ova, cut, fs::copy_options::overwrite_existing);
    fs::resize_file(cut, fs::file_size(cut) / 3);
    r = kiln({"verify", cut.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("truncated"), std::string::npos) << r.out;
}

TEST_F(ExportTest, SignedManifestVerifiesAndTamperingIsCaught) {
    auto gen = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    "key.pem", "-out", "cert.pem", "-days", "30", "-subj", "/CN=kiln-test"},
                   dir);
    ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
    fs::path ova =
        export_ova(qcow2, "signed",
                   {"--sign", (dir / "key.pem").string(), "--cert", (dir / "cert.pem").string()});
    auto names = run({"tar", "-tf", ova.string()});
    EXPECT_EQ(names.out, "signed.ovf\nsigned.mf\nsigned.cert\nsigned-disk1.vmdk\n");
    auto r = kiln({"verify", ova.string()});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("ok      signature: the manifest signature verifies with /CN=kiln-test"),
              std::string::npos)
        << r.out;

    // openssl agrees: the .cert's first line is the manifest's signature.
    fs::path d = extract(ova);
    std::string cert = read(d / "signed.cert");
    std::string first = cert.substr(0, cert.find('\n'));
    ASSERT_EQ(first.rfind("SHA256(signed.mf)= ", 0), 0u) << first;
    auto ossl =
        sh("cd " + q(d) + " && printf '%s' '" + first.substr(first.find("= ") + 2) +
           "' | xxd -r -p > sig.bin && openssl x509 -in signed.cert -pubkey -noout > pub.pem && "
           "openssl dgst -sha256 -verify pub.pem -signature sig.bin signed.mf");
    EXPECT_EQ(ossl.exit_code, 0) << ossl.out << ossl.err;

    // A manifest re-digested after tampering with the OVF no longer matches the signature.
    write(d / "signed.ovf", read(d / "signed.ovf") + "\n");
    ASSERT_EQ(
        sh("cd " + q(d) + " && sha256sum --tag signed.ovf signed-disk1.vmdk > signed.mf").exit_code,
        0);
    fs::path tampered =
        retar(d, {"signed.ovf", "signed.mf", "signed.cert", "signed-disk1.vmdk"}, "tampered.ova");
    r = kiln({"verify", tampered.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("the signature does not match the manifest"), std::string::npos) << r.out;

    // A key that does not belong to the certificate is refused before anything is written.
    ASSERT_EQ(run({"openssl", "genrsa", "-out", "other.pem", "2048"}, dir).exit_code, 0);
    r = kiln({"export", qcow2.string(), "-o", (dir / "mismatch.ova").string(), "--sign",
              (dir / "other.pem").string(), "--cert", (dir / "cert.pem").string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("does not belong to the certificate"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "mismatch.ova"));
}

TEST_F(ExportTest, Sha1ManifestForOldEsxi) {
    fs::path ova = export_ova(raw, "old", {"--manifest", "sha1"});
    fs::path d = extract(ova);
    EXPECT_EQ(read(d / "old.mf"), tagged(d, "sha1sum", "old.ovf old-disk1.vmdk"));
    auto r = kiln({"verify", ova.string()});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("warning manifest: old.ovf uses SHA1"), std::string::npos) << r.out;
}

TEST_F(ExportTest, VmdkAndQcow2OutputsHoldTheSameDisk) {
    fs::path vmdk = dir / "plain.vmdk";
    auto r = kiln({"export", qcow2.string(), "-o", vmdk.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(
        run({"qemu-img", "compare", "-f", "qcow2", "-F", "vmdk", qcow2.string(), vmdk.string()})
            .exit_code,
        0);
    r = kiln({"verify", vmdk.string()});
    EXPECT_EQ(r.exit_code, 0) << r.out;

    fs::path out = dir / "copy.qcow2";
    r = kiln({"export", raw.string(), "-o", out.string(), "--format", "qcow2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto c = run({"qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.string(), out.string()});
    EXPECT_EQ(c.exit_code, 0) << c.out;
}

TEST_F(ExportTest, BadInputIsAClearErrorAndLeavesNothing) {
    fs::path out_dir = dir / "bad";
    fs::create_directories(out_dir);
    fs::path out = out_dir / "x.ova";

    auto r = kiln({"export", (dir / "missing.qcow2").string(), "-o", out.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;

    // A qcow2 whose header says it holds more than the file has: QEMU refuses it.
    fs::path damaged = dir / "damaged.qcow2";
    fs::copy_file(qcow2, damaged, fs::copy_options::overwrite_existing);
    {
        std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(4);
        f.write("\x00\x00\x00\x63", 4);  // version 99
    }
    r = kiln({"export", damaged.string(), "-o", out.string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("cannot read disk " + damaged.string()), std::string::npos) << r.err;

    // Clusters missing at the end of a qcow2: the read fails midway.
    fs::path truncated = dir / "truncated.qcow2";
    fs::copy_file(qcow2, truncated, fs::copy_options::overwrite_existing);
    fs::resize_file(truncated, fs::file_size(truncated) / 2);
    r = kiln({"export", truncated.string(), "-o", out.string()});
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.err.find("kiln: error:"), std::string::npos) << r.err;

    r = kiln({"export", qcow2.string(), "-o", (dir / "no-such-dir" / "x.ova").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;

    r = kiln({"export", qcow2.string(), "-o", out.string(), "--sign", "/nonexistent.pem"});
    EXPECT_EQ(r.exit_code, 2) << r.err;  // --sign without --cert: usage

    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(leftovers(out_dir).empty());
}

// A disk names the other files QEMU reads for it (backing file, data file, VMDK extents): kiln
// export refuses them unless --allow-external-files, and a format the name fixes is not probed.
TEST_F(ExportTest, ADiskReadsNoOtherFileUnlessAllowed) {
    fs::path where = dir / "external";
    fs::create_directories(where);
    fs::path secret = where / "secret.raw", out = where / "x.ova";
    std::string line = "kiln-secret-line\n";
    std::string text;
    while (text.size() < (1u << 20)) text += line;
    write(secret, text.substr(0, 1u << 20));
    auto refused = [&](const fs::path& disk, const std::string& why) {
        auto r = kiln({"export", disk.string(), "-o", out.string()});
        EXPECT_EQ(r.exit_code, 1) << r.err;
        EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("only with --allow-external-files"), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out));
        EXPECT_TRUE(leftovers(where).empty());
    };

    fs::path backed = where / "backed.qcow2";
    ASSERT_EQ(run({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", secret.string(),
                   backed.string()})
                  .exit_code,
              0);
    refused(backed, "reads other files (backing file '" + secret.string() + "')");

    fs::path data_file = where / "data-file.raw";
    fs::copy_file(secret, data_file);
    fs::path with_data_file = where / "with-data-file.qcow2";
    ASSERT_EQ(run({"qemu-img", "create", "-q", "-f", "qcow2", "-o",
                   "data_file=" + data_file.string() + ",data_file_raw=on", with_data_file.string(),
                   "1M"})
                  .exit_code,
              0);
    refused(with_data_file, "reads other files (data file '" + data_file.string() + "')");

    std::string descriptor =
        "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
        "createType=\"monolithicFlat\"\nRW 2048 FLAT \"" +
        secret.string() + "\" 0\n";
    write(where / "flat.vmdk", descriptor);
    refused(where / "flat.vmdk", "is a VMDK descriptor: its data is in the extent files it names");
    write(where / "flat.img", descriptor);  // a name that fixes no format: QEMU probes it
    refused(where / "flat.img", "reads other files (extent '" + secret.string() + "')");

    // The qcow2's bytes under a .raw name are raw data, read as they are.
    fs::path named_raw = where / "backed-named.raw";
    fs::copy_file(backed, named_raw);
    auto r = kiln({"export", named_raw.string(), "-o", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path d = extract(out);
    EXPECT_EQ(run({"qemu-img", "compare", "-q", "-f", "raw", "-F", "vmdk", named_raw.string(),
                   (d / "x-disk1.vmdk").string()})
                  .exit_code,
              0);
    fs::remove(out);
    fs::remove_all(d);

    // Allowed, the backing file is read: the disk is the secret file's content.
    r = kiln({"export", backed.string(), "-o", out.string(), "--allow-external-files"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    d = extract(out);
    EXPECT_EQ(run({"qemu-img", "compare", "-q", "-f", "raw", "-F", "vmdk", secret.string(),
                   (d / "x-disk1.vmdk").string()})
                  .exit_code,
              0);
}

// A FIFO or a device is no disk: refused before QEMU opens it (it would wait for a writer).
TEST_F(ExportTest, ADiskIsARegularFileOrBlockDevice) {
    fs::path fifo = dir / "pipe.raw";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    CommandOptions options = apart();
    options.timeout = std::chrono::seconds(20);
    auto r = kiln_test::run_command(
        {kKiln, "export", fifo.string(), "-o", (dir / "pipe.ova").string()}, options);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("is not a regular file or block device"), std::string::npos) << r.err;
    r = kiln_test::run_command({kKiln, "export", "/dev/zero", "-o", (dir / "zero.ova").string()},
                               options);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("is not a regular file or block device"), std::string::npos) << r.err;
}

// A file name QEMU would read as options ("json:{...}") is only a file name.
TEST_F(ExportTest, AFileNameIsNeverQemuOptions) {
    fs::path where = dir / "names";
    fs::create_directories(where);
    write(where / "s.raw", std::string(2u << 20, 's'));
    const std::string name = R"(json:{"driver":"raw","file":{"driver":"file","filename":"s.raw"}})";
    write(where / name, std::string(1u << 20, 'd'));
    CommandOptions options = apart(where);
    auto r = kiln_test::run_command({kKiln, "export", name, "-o", "named.vmdk"}, options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(virtual_size(where / "named.vmdk"), 1u << 20);
    EXPECT_EQ(run({"qemu-img", "compare", "-q", "-f", "raw", "-F", "vmdk", (where / name).string(),
                   (where / "named.vmdk").string()})
                  .exit_code,
              0);
}

TEST_F(ExportTest, FullDiskLeavesNoPartialFile) {
    fs::path small = dir / "small-fs";
    fs::create_directories(small);
    if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=4m") != 0)
        GTEST_SKIP() << "cannot mount a tmpfs here";
    auto r = kiln({"export", qcow2.string(), "-o", (small / "x.ova").string()});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(small))
        names.push_back(e.path().filename().string());
    EXPECT_TRUE(names.empty()) << names.front();
    ::umount(small.c_str());
}

}  // namespace
