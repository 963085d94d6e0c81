// kiln build with an image base, for real: the base is an image this project builds (the small
// test image, the image_kiln_small fixture), pinned by its sha256 in a profile written here. The
// one appliance launch installs a package from a signed apt repository this test makes and
// serves on the host's loopback (no mirror: the appliance reaches the host at 169.254.2.2),
// copies an overlay with its owner and mode, enables a unit, applies settings, runs a build step,
// installs kiln-firstboot, runs sysprep and relabels for SELinux; then the image is inspected
// and booted.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "boot_probe.hpp"
#include "harness.hpp"
#include "image_inspector.hpp"
#include "kiln/elf.hpp"
#include "kiln/sha256.hpp"
#include "static_http_server.hpp"
#include "test_gnupg.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

const char* const kPackage = "kiln-base-hello";
const char* const kHello = "hello from the local repository";

// The unit the profile enables: it runs the package's program at boot.
const char* const kUnit =
    "[Unit]\nDescription=kiln base-image test: the local package's program\n\n"
    "[Service]\nType=oneshot\nExecStart=/usr/bin/kiln-base-hello\nRemainAfterExit=yes\n\n"
    "[Install]\nWantedBy=multi-user.target\n";

struct Shared {
    Scratch scratch{"base-image"};
    fs::path base = fs::path(KILN_TEST_IMAGE_DIR) / "small/kiln-small.qcow2";
    std::string base_sha256;
    fs::path repository, profile_dir, out;
    std::unique_ptr<StaticHttpServer> server;
    int repository_requests = 0;
    CommandResult build;
    nlohmann::json manifest;
};

// Built once for both suites (gtest runs an inherited SetUpTestSuite again for the derived
// suite); the scratch folder goes at exit.
std::unique_ptr<Shared> shared;

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

void expect_ok(const CommandResult& r) {
    ASSERT_EQ(r.exit_code, 0) << r.command << ": " << r.ending() << "\n" << r.out << r.err;
}

// The package: one program, no dependencies, architecture all.
void make_package(const fs::path& work, const fs::path& repository) {
    fs::path root = work / "package";
    write_file(root / "DEBIAN/control", std::string("Package: ") + kPackage +
                                            "\nVersion: 1.0\nArchitecture: all\n"
                                            "Maintainer: kiln tests <tests@kiln.test>\n"
                                            "Description: kiln base-image test package\n");
    write_file(root / "usr/bin/kiln-base-hello", std::string("#!/bin/sh\necho '") + kHello + "'\n");
    fs::permissions(root / "usr/bin/kiln-base-hello",
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec);
    expect_ok(run_command({"dpkg-deb", "--root-owner-group", "--build", root.string(),
                           (repository / (std::string(kPackage) + "_1.0_all.deb")).string()}));
}

// A flat repository (Suites: ./): Packages, and InRelease signed with the test's key.
void index_repository(const fs::path& repository, const TestGnupg& gnupg) {
    CommandOptions in_repository;
    in_repository.working_directory = repository;
    in_repository.merge_stderr = false;
    CommandResult packages =
        run_command({"dpkg-scanpackages", "--multiversion", "."}, in_repository);
    expect_ok(packages);
    write_file(repository / "Packages", packages.out);
    char date[64];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S UTC", std::gmtime(&now));
    write_file(repository / "Release",
               std::string("Origin: kiln-test\nLabel: kiln-test\nDate: ") + date + "\nSHA256:\n " +
                   kiln::sha256_file_hex(repository / "Packages") + " " +
                   std::to_string(fs::file_size(repository / "Packages")) + " Packages\n");
    gnupg.run({"--local-user", "kiln base test", "--clearsign", "--output",
               (repository / "InRelease").string(), (repository / "Release").string()});
}

std::string profile_text(const Shared& s) {
    return "version: 1\n"
           "name: kiln-based\n"
           "description: the small test image customised through the appliance\n"
           "base:\n"
           "  image:\n"
           "    path: " +
           s.base.string() + "\n    sha256: " + s.base_sha256 +
           "\n"
           "    format: qcow2\n"
           "package_manager: apt\n"
           "repositories:\n"
           "  - name: local\n"
           "    uri: http://169.254.2.2:" +
           std::to_string(s.server->port()) +
           "/\n"
           "    suite: ./\n"
           "    signed_by: local.gpg\n"
           "packages:\n"
           "  install: [" +
           kPackage +
           "]\n"
           "overlays:\n"
           "  - file: secret.conf\n"
           "    destination: /etc/kiln-based/secret.conf\n"
           "    owner: kiln\n"
           "    group: adm\n"
           "    mode: \"0640\"\n"
           "  - file: kiln-based.service\n"
           "    destination: /etc/systemd/system/kiln-based.service\n"
           "units:\n"
           "  enable: [kiln-based.service]\n"
           "settings:\n"
           "  timezone: Asia/Tokyo\n"
           "  locale: C.UTF-8\n"
           "  hostname: kiln-based\n"
           // The step uses the package, and leaves what sysprep must take away: the base image
           // was sealed already, so only what this build adds proves that sysprep ran.
           "scripts:\n"
           "  - name: leave-state\n"
           "    interpreter: /bin/sh\n"
           "    run: |\n"
           "      kiln-base-hello > /etc/kiln-based/stamp\n"
           "      ssh-keygen -A\n"
           "      echo 0123456789abcdef0123456789abcdef > /etc/machine-id\n"
           "      echo seed > /var/lib/systemd/random-seed\n"
           "      touch /tmp/left-over\n"
           "firstboot:\n"
           "  dcs: etcd\n"
           "  services: [kiln-cluster-test.service]\n"
           "  admin_user: kiln\n"
           "  defaults:\n"
           "    cluster: based-test\n"
           // The small image carries a tiny policy of its overlay's ("kilntest"): the relabel runs
           // setfiles in an appliance of kiln's own (Debian's has none).
           "sysprep:\n"
           "  selinux_relabel: true\n"
           "disk:\n"
           "  size: 3G\n"
           "outputs:\n"
           "  qcow2:\n";
}

class BaseImage : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (shared) return;
        shared = std::make_unique<Shared>();
        Shared& s = *shared;
        if (!fs::is_regular_file(s.base)) return;  // SetUp says why
        s.base_sha256 = kiln::sha256_file_hex(s.base);
        s.repository = s.scratch.path / "repository";
        s.profile_dir = s.scratch.path / "profile";
        s.out = s.scratch.path / "out";
        fs::create_directories(s.repository);
        TestGnupg gnupg(s.scratch.path / "gnupg");
        gnupg.make_key("kiln base test");
        make_package(s.scratch.path, s.repository);
        index_repository(s.repository, gnupg);
        fs::create_directories(s.profile_dir);
        gnupg.run(
            {"--output", (s.profile_dir / "local.gpg").string(), "--export", "kiln base test"});
        write_file(s.profile_dir / "secret.conf", "token = not-a-real-one\n");
        write_file(s.profile_dir / "kiln-based.service", kUnit);
        s.server = std::make_unique<StaticHttpServer>(s.repository);
        write_file(s.profile_dir / "based.yml", profile_text(s));
        s.build = run_command({kiln_binary(), "build", (s.profile_dir / "based.yml").string(), "-o",
                               s.out.string(), "--no-cache", "--accel", "tcg"});
        s.repository_requests = s.server->requests();
        s.server.reset();
        std::cout << s.build.out << "\nimage-base build: " << s.build.seconds << " s\n";
        if (fs::exists(s.out / "kiln-based.manifest.json"))
            s.manifest = nlohmann::json::parse(read_text(s.out / "kiln-based.manifest.json"));
    }
    void SetUp() override {
        ASSERT_TRUE(fs::is_regular_file(shared->base))
            << shared->base << " is missing: the image_kiln_small fixture builds it";
    }
};

TEST_F(BaseImage, BuildsFromTheSmallImageAndLeavesItUnchanged) {
    ASSERT_EQ(shared->build.exit_code, 0) << shared->build.out;
    EXPECT_EQ(kiln::sha256_file_hex(shared->base), shared->base_sha256)
        << "the base is never written";
    const auto& m = shared->manifest;
    EXPECT_EQ(m["base"]["kind"], "image");
    EXPECT_EQ(m["base"]["digest"], shared->base_sha256);
    std::map<std::string, std::string> packages;
    for (const auto& p : m["packages"]) packages[p["name"]] = p["version"];
    EXPECT_EQ(packages[kPackage], "1.0");
    EXPECT_TRUE(packages.contains("linux-image-amd64")) << "the base's packages are listed too";
    auto info = run_command(
        {"qemu-img", "info", "--output=json", (shared->out / "kiln-based.qcow2").string()});
    ASSERT_EQ(info.exit_code, 0) << info.out;
    auto json = nlohmann::json::parse(info.out);
    EXPECT_EQ(json["virtual-size"], 3ULL << 30) << "disk.size grew the 2G base";
    EXPECT_FALSE(json.contains("backing-filename")) << "the output stands alone";
}

class BasedImage : public BaseImage {
protected:
    void SetUp() override {
        BaseImage::SetUp();
        ASSERT_EQ(shared->build.exit_code, 0);
        if (!image) image = new ImageInspector(shared->out / "kiln-based.qcow2");
        ASSERT_TRUE(image->ok()) << image->error();
    }
    static void TearDownTestSuite() {
        delete image;
        image = nullptr;
    }
    static ImageInspector* image;
};
ImageInspector* BasedImage::image = nullptr;

// The appliance fetched the package from the test's repository, checked with the profile's key.
TEST_F(BasedImage, PackageInstalledFromTheLocalRepository) {
    EXPECT_GT(shared->repository_requests, 0);
    std::string status = image->read("/var/lib/dpkg/status").value_or("");
    EXPECT_NE(status.find(std::string("Package: ") + kPackage + "\nStatus: install ok installed"),
              std::string::npos);
    EXPECT_EQ(image->stat("/usr/bin/kiln-base-hello").mode, 0755);
    std::string sources = image->read("/etc/apt/sources.list.d/kiln-local.sources").value_or("");
    EXPECT_NE(sources.find("Suites: ./"), std::string::npos) << sources;
    EXPECT_NE(sources.find("Signed-By: /etc/apt/keyrings/kiln-local.gpg"), std::string::npos)
        << sources;
    for (const auto& name : image->ls("/var/cache/apt/archives"))
        EXPECT_FALSE(name.ends_with(".deb")) << name << ": sysprep's package-cache";
}

// Owner and group by name, resolved in the image's own accounts (kiln is the base's admin user).
TEST_F(BasedImage, OverlayHasItsOwnerGroupAndMode) {
    std::string passwd = image->read("/etc/passwd").value_or("");
    auto at = passwd.find("\nkiln:x:");
    ASSERT_NE(at, std::string::npos) << passwd;
    long kiln_uid = std::stol(passwd.substr(at + 8, passwd.find(':', at + 8) - at - 8));
    EXPECT_NE(kiln_uid, 0);
    auto secret = image->stat("/etc/kiln-based/secret.conf");
    EXPECT_EQ(secret.mode, 0640);
    EXPECT_EQ(secret.uid, kiln_uid);
    EXPECT_EQ(secret.gid, 4) << "adm";
    EXPECT_EQ(image->read("/etc/kiln-based/secret.conf").value_or(""), "token = not-a-real-one\n");
}

TEST_F(BasedImage, UnitEnabledAndSettingsApplied) {
    EXPECT_EQ(image->link("/etc/systemd/system/multi-user.target.wants/kiln-based.service"),
              "/etc/systemd/system/kiln-based.service");
    EXPECT_EQ(image->link("/etc/localtime"), "../usr/share/zoneinfo/Asia/Tokyo");
    EXPECT_EQ(image->read("/etc/timezone").value_or(""), "Asia/Tokyo\n");
    EXPECT_EQ(image->read("/etc/default/locale").value_or(""), "LANG=C.UTF-8\n");
    EXPECT_EQ(image->read("/etc/hostname").value_or(""), "kiln-based\n");
}

TEST_F(BasedImage, BuildStepRanAfterThePackages) {
    EXPECT_EQ(image->read("/etc/kiln-based/stamp").value_or("missing"), std::string(kHello) + "\n");
    EXPECT_FALSE(image->exists("/tmp/kiln-script"));
}

// The build step left a machine id, host keys, a seed and a file in /tmp: sysprep removed them.
TEST_F(BasedImage, SysprepRemovedWhatTheBuildLeft) {
    EXPECT_EQ(image->read("/etc/machine-id").value_or("missing"), "");
    for (const auto& name : image->ls("/etc/ssh"))
        EXPECT_FALSE(name.starts_with("ssh_host_")) << name;
    EXPECT_FALSE(image->exists("/var/lib/systemd/random-seed"));
    EXPECT_TRUE(image->ls("/tmp").empty());
}

TEST_F(BasedImage, FirstbootInstalledWithThisProfilesDefaults) {
    std::string yml = image->read("/etc/kiln/image.yml").value_or("");
    EXPECT_NE(yml.find("based-test"), std::string::npos) << yml;
    EXPECT_TRUE(
        image->is_symlink("/etc/systemd/system/multi-user.target.wants/kiln-firstboot.service"));
    EXPECT_TRUE(kiln::is_static_x86_64_executable(
        image->read("/usr/libexec/kiln/kiln-firstboot").value_or("")));
}

// The root partition and its ext4 grew with the disk (the base's root is its last partition).
// setfiles ran in the appliance over the finished disk: files this build added carry the labels
// of the image's own file contexts.
TEST_F(BasedImage, SelinuxRelabelRanInTheAppliance) {
    EXPECT_EQ(image->xattr("/etc/kiln-based/secret.conf", "security.selinux"),
              "system_u:object_r:etc_t:s0");
    EXPECT_EQ(image->xattr("/etc/passwd", "security.selinux"),
              "system_u:object_r:passwd_file_t:s0");
    EXPECT_EQ(image->xattr("/etc/kiln-based/stamp", "security.selinux"),
              "system_u:object_r:etc_t:s0");
}

TEST_F(BasedImage, RootFilesystemGrewWithTheDisk) {
    struct guestfs_statvfs* st = guestfs_statvfs(image->handle(), "/");
    ASSERT_NE(st, nullptr) << image->error();
    long long bytes = st->blocks * st->bsize;
    guestfs_free_statvfs(st);
    EXPECT_GT(bytes, 2500LL << 20) << "the 2G base's root was not grown";
}

TEST_F(BaseImage, BootsToMultiUserWithKilnFirstbootWaiting) {
    ASSERT_EQ(shared->build.exit_code, 0);
    BootReport r = boot_and_probe(shared->out / "kiln-based.qcow2", shared->scratch.path,
                                  {"kiln-based.service", "ssh.service", "kiln-firstboot.service"});
    std::cout << "boot to probe: " << r.seconds << " s\n";
    std::string tail = r.console.substr(r.console.size() > 6000 ? r.console.size() - 6000 : 0);
    ASSERT_TRUE(r.booted) << tail;
    EXPECT_TRUE(r.state == "running" || r.state == "degraded") << r.state;
    EXPECT_EQ(r.failed_units, "") << tail;
    EXPECT_EQ(r.active["kiln-based.service"], "active");
    EXPECT_EQ(r.active["ssh.service"], "active");  // host keys made on the clone
    EXPECT_EQ(r.active["kiln-firstboot.service"], "active") << "no metadata: it waits";
    EXPECT_EQ(r.machine_id.size(), 32u);
}

}  // namespace
