// kiln build, for real, of tests/integration/bake/data/small.yml: then the image itself is
// inspected (libguestfs), booted (QEMU TCG), and rebuilt after an overlay-only change.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "boot_probe.hpp"
#include "harness.hpp"
#include "image_inspector.hpp"
#include "kiln/elf.hpp"
#include "kiln/sha256.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

struct Shared {
    Scratch scratch{"build-small"};
    fs::path profile_dir, profile, out, cache;
    CommandResult build;
    nlohmann::json manifest;
    nlohmann::json report;  // kiln-small.build.json: how the run went
    nlohmann::json plan;
};

// One build for both suites: SmallImage inherits SetUpTestSuite, which ran the whole build again
// (from a cold cache of its own) when each suite owned and deleted it.
std::unique_ptr<Shared> shared;

class BuildSmall : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (shared) return;
        shared = std::make_unique<Shared>();
        Shared& s = *shared;
        s.profile_dir = s.scratch.path / "profile";
        fs::copy(fs::path(KILN_TEST_DATA) / "data", s.profile_dir,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        s.profile = s.profile_dir / "small.yml";
        s.out = s.scratch.path / "out";
        s.cache = test_cache(s.scratch.path / "cache");
        s.build = run_command({kiln_binary(), "build", s.profile.string(), "-o", s.out.string(),
                               "--cache-dir", s.cache.string(), "--accel", "tcg"});
        std::cout << s.build.out << "\ncold build: " << s.build.seconds << " s\n";
        if (fs::exists(s.out / "kiln-small.manifest.json"))
            s.manifest = nlohmann::json::parse(read_text(s.out / "kiln-small.manifest.json"));
        if (fs::exists(s.out / "kiln-small.build.json"))
            s.report = nlohmann::json::parse(read_text(s.out / "kiln-small.build.json"));
        s.plan = nlohmann::json::parse(
            run_command({kiln_binary(), "plan", "--json", s.profile.string()}).out);
    }
};

TEST_F(BuildSmall, SucceedsWithOnlyFinalOutputs) {
    ASSERT_EQ(shared->build.exit_code, 0) << shared->build.out;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(shared->out))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"kiln-small.build.json", "kiln-small.manifest.json",
                                               "kiln-small.ova", "kiln-small.qcow2",
                                               "kiln-small.spdx.json"}));
    auto info = run_command({"qemu-img", "check", (shared->out / "kiln-small.qcow2").string()});
    EXPECT_EQ(info.exit_code, 0) << info.out;
}

TEST_F(BuildSmall, ManifestDescribesTheBuild) {
    ASSERT_EQ(shared->build.exit_code, 0);
    const auto& m = shared->manifest;
    EXPECT_FALSE(m["kiln_version"].get<std::string>().empty());
    EXPECT_EQ(m["profile"]["digest"], shared->plan["profile_digest"]);
    EXPECT_EQ(m["package_layer_digest"], shared->plan["package_layer_digest"]);
    EXPECT_EQ(m["base"]["kind"], "debootstrap");
    EXPECT_EQ(m["base"]["digest"], shared->plan["operations"][0]["digest"]);
    std::map<std::string, std::string> packages;
    for (const auto& p : m["packages"]) packages[p["name"]] = p["version"];
    EXPECT_TRUE(packages.contains("hello"));
    EXPECT_TRUE(packages.contains("linux-image-amd64"));
    EXPECT_TRUE(packages.contains("openssh-server"));
    EXPECT_FALSE(packages["hello"].empty());
    ASSERT_EQ(m["outputs"].size(), 2u);
    for (int i : {0, 1}) {
        const std::string file = i == 0 ? "kiln-small.qcow2" : "kiln-small.ova";
        EXPECT_EQ(m["outputs"][i]["file"], file);
        EXPECT_EQ(m["outputs"][i]["sha256"], kiln::sha256_file_hex(shared->out / file));
        EXPECT_EQ(m["outputs"][i]["bytes"], fs::file_size(shared->out / file));
    }
    EXPECT_EQ(m["source_date_epoch"], 1704067200) << "kiln's default: small.yml sets none";
    std::set<std::string> stages;
    for (const auto& s : shared->report["stages"]) {
        stages.insert(s["stage"]);
        EXPECT_GE(s["seconds"].get<double>(), 0.0);
    }
    for (const char* s :
         {"base", "packages", "customize", "scripts", "firstboot", "sysprep", "disk", "output"})
        EXPECT_TRUE(stages.contains(s)) << s;
    // Every planned operation ran, in the plan's order.
    ASSERT_EQ(m["operations"].size(), shared->plan["operations"].size());
    for (std::size_t i = 0; i < m["operations"].size(); ++i)
        EXPECT_EQ(m["operations"][i]["digest"], shared->plan["operations"][i]["digest"]) << i;
}

class SmallImage : public BuildSmall {
protected:
    void SetUp() override {
        ASSERT_EQ(shared->build.exit_code, 0);
        if (!image) image = new ImageInspector(shared->out / "kiln-small.qcow2");
        ASSERT_TRUE(image->ok()) << image->error();
    }
    static void TearDownTestSuite() {
        delete image;
        image = nullptr;
    }
    static ImageInspector* image;
};
ImageInspector* SmallImage::image = nullptr;

TEST_F(SmallImage, OverlayFilesWithOwnersAndModes) {
    auto config = image->stat("/etc/kiln-test/config");
    EXPECT_EQ(config.mode, 0644);
    EXPECT_EQ(config.uid, 0);
    EXPECT_EQ(config.gid, 0);
    EXPECT_NE(image->read("/etc/kiln-test/config").value_or("").find("greeting = hello"),
              std::string::npos);
    EXPECT_EQ(image->stat("/usr/local/bin/kiln-test-hello").mode, 0755);
    // The file overlay: owner and group resolved from the image's own accounts (nobody/nogroup).
    auto secret = image->stat("/etc/kiln-test/secret.conf");
    EXPECT_EQ(secret.mode, 0600);
    EXPECT_EQ(secret.uid, 65534);
    EXPECT_EQ(secret.gid, 65534);
    EXPECT_TRUE(image->is_symlink("/etc/kiln-test/config.link"));
    EXPECT_EQ(image->link("/etc/kiln-test/config.link"), "config");
}

// The profile's build steps ran inside the image, after the overlays, as root, with the
// environment they declare; their files are gone.
TEST_F(SmallImage, BuildStepsRanInTheImage) {
    EXPECT_EQ(image->read("/etc/kiln-test/stamp").value_or("missing"),
              "kiln-lab uid=0\ngreeting = hello\n");
    EXPECT_EQ(image->read("/etc/kiln-test/from-file").value_or("missing"), "from a file step\n");
    EXPECT_FALSE(image->exists("/tmp/kiln-script"));
    EXPECT_FALSE(image->exists("/tmp/kiln-script.log"));
    EXPECT_EQ(image->read("/etc/resolv.conf").value_or(""), "") << "the host's name servers stay";
}

TEST_F(SmallImage, UnitsEnabledMaskedAndClusterUnitsDisabled) {
    EXPECT_TRUE(image->is_symlink("/etc/systemd/system/multi-user.target.wants/kiln-test.service"));
    EXPECT_EQ(image->link("/etc/systemd/system/apt-daily.timer"), "/dev/null");
    EXPECT_TRUE(
        image->is_symlink("/etc/systemd/system/multi-user.target.wants/kiln-firstboot.service"));
    // The overlay shipped the cluster unit enabled (as a package would); the build disabled it.
    EXPECT_TRUE(image->exists("/etc/systemd/system/kiln-cluster-test.service"));
    EXPECT_FALSE(
        image->exists("/etc/systemd/system/multi-user.target.wants/kiln-cluster-test.service"));
}

TEST_F(SmallImage, NoMachineIdHostKeysSeedOrCachesLeftForClones) {
    EXPECT_EQ(image->read("/etc/machine-id").value_or("missing"), "");
    for (const auto& name : image->ls("/etc/ssh"))
        EXPECT_FALSE(name.starts_with("ssh_host_")) << name;
    EXPECT_TRUE(image->exists("/etc/systemd/system/ssh.service.d/10-kiln-hostkeys.conf"));
    EXPECT_FALSE(image->exists("/var/lib/systemd/random-seed"));
    for (const auto& name : image->ls("/var/cache/apt/archives"))
        EXPECT_FALSE(name.ends_with(".deb")) << name;
    EXPECT_EQ(image->read("/etc/resolv.conf").value_or(""), "");
    EXPECT_TRUE(image->ls("/tmp").empty());
}

TEST_F(SmallImage, PackagesSettingsAndFirstboot) {
    EXPECT_TRUE(image->exists("/usr/bin/hello"));
    EXPECT_EQ(image->read("/etc/hostname").value_or(""), "kiln-small\n");
    EXPECT_EQ(image->link("/etc/localtime"), "../usr/share/zoneinfo/Europe/Paris");
    std::string yml = image->read("/etc/kiln/image.yml").value_or("");
    EXPECT_NE(yml.find("small-test"), std::string::npos) << yml;
    EXPECT_NE(yml.find("kiln-cluster-test.service"), std::string::npos) << yml;
    EXPECT_TRUE(image->exists("/etc/systemd/system/kiln-firstboot.service"));
    EXPECT_TRUE(kiln::is_static_x86_64_executable(
        image->read("/usr/libexec/kiln/kiln-firstboot").value_or("")))
        << "images get the one static kiln-firstboot";
    EXPECT_NE(image->read("/etc/passwd").value_or("").find("\nkiln:"), std::string::npos);
    EXPECT_EQ(image->stat("/etc/sudoers.d/90-kiln-admin").mode, 0440);
}

// debootstrap made an initramfs with every module; the build made it again with the
// targeted set (the small image boots on virtio under QEMU, BootsToMultiUser...).
TEST_F(SmallImage, InitramfsCarriesTheTargetedModuleSet) {
    EXPECT_EQ(image->read("/etc/initramfs-tools/conf.d/kiln-modules").value_or(""),
              "MODULES=list\n");
    std::string modules = image->read("/etc/initramfs-tools/modules").value_or("");
    for (const char* driver : {"\nvmw_pvscsi\n", "\nvirtio_blk\n", "\next4\n"})
        EXPECT_NE(modules.find(driver), std::string::npos) << driver << modules;
    bool initramfs = false;
    for (const auto& name : image->ls("/boot"))
        if (name.starts_with("initrd.img-")) {
            initramfs = true;
            EXPECT_LT(image->stat("/boot/" + name).size, 20L << 20) << name;
        }
    EXPECT_TRUE(initramfs);
}

// setfiles really ran over the finished disk with the image's own file contexts (the overlay's
// tiny "kilntest" policy): the most specific rule wins, files the overlay did not bring too.
TEST_F(SmallImage, SelinuxRelabelLabelledEveryFileByTheImagesPolicy) {
    EXPECT_EQ(image->xattr("/etc/passwd", "security.selinux"),
              "system_u:object_r:passwd_file_t:s0");
    EXPECT_EQ(image->xattr("/etc/hostname", "security.selinux"), "system_u:object_r:etc_t:s0");
    EXPECT_EQ(image->xattr("/usr/local/bin/kiln-test-hello", "security.selinux"),
              "system_u:object_r:bin_t:s0");
    EXPECT_EQ(image->xattr("/usr/bin/hello", "security.selinux"), "system_u:object_r:default_t:s0");
}

TEST_F(SmallImage, BootableDiskByUuid) {
    std::string uuid = image->fs_uuid();
    ASSERT_FALSE(uuid.empty());
    std::string fstab = image->read("/etc/fstab").value_or("");
    EXPECT_NE(fstab.find("UUID=" + uuid + "\t/\text4"), std::string::npos) << fstab;
    std::string grub = image->read("/boot/grub/grub.cfg").value_or("");
    EXPECT_NE(grub.find(uuid), std::string::npos);
    EXPECT_NE(grub.find("console=ttyS0"), std::string::npos);
    EXPECT_TRUE(image->exists("/boot/grub/i386-pc/normal.mod"));  // core.img itself is on the disk
}

TEST_F(BuildSmall, BootsToMultiUserWithNoFailedUnits) {
    ASSERT_EQ(shared->build.exit_code, 0);
    BootReport r = boot_and_probe(shared->out / "kiln-small.qcow2", shared->scratch.path,
                                  {"kiln-test.service", "kiln-cluster-test.service", "ssh.service",
                                   "kiln-firstboot.service"});
    std::cout << "boot to probe: " << r.seconds << " s\n";
    ASSERT_TRUE(r.booted) << r.console.substr(r.console.size() > 6000 ? r.console.size() - 6000
                                                                      : 0);
    EXPECT_TRUE(r.state == "running" || r.state == "degraded") << r.state;
    EXPECT_EQ(r.failed_units, "") << r.console.substr(
        r.console.size() > 6000 ? r.console.size() - 6000 : 0);
    EXPECT_EQ(r.active["kiln-test.service"], "active");
    EXPECT_EQ(r.active["kiln-cluster-test.service"], "inactive");
    EXPECT_EQ(r.active["ssh.service"], "active");  // host keys made on the clone
    // No node metadata: kiln-firstboot waits (status "waiting"), it does not fail.
    EXPECT_EQ(r.active["kiln-firstboot.service"], "active");
    EXPECT_EQ(r.machine_id.size(), 32u);  // generated at boot from the empty file
}

// Runs last (alphabetically after the others is not guaranteed: gtest keeps declaration order).
TEST_F(BuildSmall, RebuildAfterOverlayChangeUsesTheLayerCache) {
    ASSERT_EQ(shared->build.exit_code, 0);
    {
        std::ofstream f(shared->profile_dir / "overlay/etc/kiln-test/config");
        f << "greeting = changed\n";
    }
    fs::path out2 = shared->scratch.path / "out2";
    CommandResult r =
        run_command({kiln_binary(), "build", "--json", shared->profile.string(), "-o",
                     out2.string(), "--cache-dir", shared->cache.string(), "--accel", "tcg"});
    std::cout << "rebuild after an overlay change: " << r.seconds << " s (cold "
              << shared->build.seconds << " s)\n";
    ASSERT_EQ(r.exit_code, 0) << r.out;
    // --json: one event per line, every line a JSON object.
    std::istringstream lines(r.out);
    std::string line;
    int events = 0;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        auto e = nlohmann::json::parse(line, nullptr, false);
        EXPECT_FALSE(e.is_discarded()) << line;
        ++events;
    }
    EXPECT_GT(events, 20);
    auto m = nlohmann::json::parse(read_text(out2 / "kiln-small.manifest.json"));
    auto report = nlohmann::json::parse(read_text(out2 / "kiln-small.build.json"));
    EXPECT_EQ(report["cache"]["hit"], true);
    EXPECT_EQ(report["operations"][0]["status"], "cached");
    EXPECT_NE(m["profile"]["digest"], shared->manifest["profile"]["digest"]);
    EXPECT_EQ(m["package_layer_digest"], shared->manifest["package_layer_digest"]);
    ImageInspector image(out2 / "kiln-small.qcow2");
    ASSERT_TRUE(image.ok()) << image.error();
    EXPECT_EQ(image.read("/etc/kiln-test/config").value_or(""), "greeting = changed\n");
    EXPECT_TRUE(image.exists("/usr/bin/hello"));
}

}  // namespace
