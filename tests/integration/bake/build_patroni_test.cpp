// The bundled default, profiles/debian12-patroni.yml, built for real and booted under QEMU
// (TCG): multi-user with no failed units, and no cluster service running before first boot.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "boot_probe.hpp"
#include "harness.hpp"
#include "image_inspector.hpp"
#include "kiln/sha256.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

const std::vector<std::string> kClusterUnits = {"etcd.service", "patroni.service",
                                                "haproxy.service", "keepalived.service",
                                                "postgresql@15-main.service"};

std::vector<std::string> probed_units() {
    std::vector<std::string> units = kClusterUnits;
    units.push_back("kiln-firstboot.service");
    return units;
}

// The image is the CTest fixture's (image_debian12_patroni, the same `kiln build` the e2e test
// boots): its build output is in KILN_TEST_IMAGE_DIR, its log in CTest's log.
struct Shared {
    Scratch scratch{"build-patroni"};
    fs::path out = KILN_TEST_IMAGE_DIR;
    nlohmann::json manifest;
};
Shared* shared = nullptr;

class BuildPatroni : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        shared = new Shared;
        if (fs::exists(shared->out / "debian12-patroni.manifest.json"))
            shared->manifest =
                nlohmann::json::parse(read_text(shared->out / "debian12-patroni.manifest.json"));
    }
    static void TearDownTestSuite() {
        delete shared;
        shared = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(fs::exists(shared->out / "debian12-patroni.qcow2"))
            << "no image in " << shared->out << ": the image_debian12_patroni fixture failed";
    }
};

TEST_F(BuildPatroni, BuildsWithTheClusterPackages) {
    ASSERT_FALSE(shared->manifest.is_null()) << "no manifest in " << shared->out;
    std::set<std::string> packages;
    for (const auto& p : shared->manifest["packages"]) packages.insert(p["name"]);
    for (const char* p :
         {"postgresql-15", "patroni", "etcd-server", "python3-etcd", "python3-kazoo", "haproxy",
          "keepalived", "chrony", "zabbix-agent", "open-vm-tools", "linux-image-amd64", "grub-pc"})
        EXPECT_TRUE(packages.contains(p)) << p;
    EXPECT_EQ(shared->manifest["profile"]["name"], "debian12-patroni") << shared->manifest;
}

// The bill of materials beside the manifest: SPDX 2.3, the qcow2's checksum, one package per
// installed package with its purl.
TEST_F(BuildPatroni, HasAnSpdxBillOfMaterials) {
    fs::path path = shared->out / "debian12-patroni.spdx.json";
    ASSERT_TRUE(fs::exists(path));
    auto doc = nlohmann::json::parse(read_text(path), nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << "not JSON: " << path;
    EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
    EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
    ASSERT_TRUE(doc["packages"].is_array());
    EXPECT_EQ(doc["packages"].size(), shared->manifest["packages"].size() + 1);
    const auto& image = doc["packages"][0];
    EXPECT_EQ(image["checksums"][0]["checksumValue"],
              kiln::sha256_file_hex(shared->out / "debian12-patroni.qcow2"));
    bool postgresql = false;
    for (const auto& p : doc["packages"])
        if (p["name"] == "postgresql-15") {
            postgresql = true;
            EXPECT_EQ(p["externalRefs"][0]["referenceLocator"].get<std::string>().rfind(
                          "pkg:deb/debian/postgresql-15@", 0),
                      0u)
                << p;
            EXPECT_EQ(p["sourceInfo"], "built from source package postgresql-15");
        }
    EXPECT_TRUE(postgresql);
}

TEST_F(BuildPatroni, NoEtcdMemberNoPostgresClusterAndNoClusterUnitEnabled) {
    ImageInspector image(shared->out / "debian12-patroni.qcow2");
    ASSERT_TRUE(image.ok()) << image.error();
    // etcd: no member identity; PostgreSQL: no package-made cluster.
    EXPECT_TRUE(image.ls("/var/lib/etcd").empty());
    EXPECT_FALSE(image.exists("/etc/postgresql/15/main"));
    EXPECT_FALSE(image.exists("/var/lib/postgresql/15/main"));
    EXPECT_NE(image.read("/etc/postgresql-common/createcluster.d/50-kiln.conf")
                  .value_or("")
                  .find("create_main_cluster = false"),
              std::string::npos);
    for (const auto& unit :
         {"etcd.service", "patroni.service", "haproxy.service", "keepalived.service"})
        EXPECT_FALSE(
            image.exists(std::string("/etc/systemd/system/multi-user.target.wants/") + unit))
            << unit;
    for (const auto& unit : {"chrony.service", "zabbix-agent.service", "open-vm-tools.service",
                             "ssh.service", "kiln-firstboot.service"})
        EXPECT_TRUE(
            image.exists(std::string("/etc/systemd/system/multi-user.target.wants/") + unit))
            << unit;
    EXPECT_EQ(image.read("/etc/machine-id").value_or("missing"), "");
    for (const auto& name : image.ls("/etc/ssh"))
        EXPECT_FALSE(name.starts_with("ssh_host_")) << name;
    EXPECT_NE(image.read("/etc/zabbix/zabbix_agentd.conf")
                  .value_or("")
                  .find("\nServer=zabbix.example.com\n"),
              std::string::npos);
    EXPECT_NE(image.read("/etc/chrony/sources.d/kiln.sources")
                  .value_or("")
                  .find("server 0.pool.ntp.org iburst"),
              std::string::npos);
    // The bootstrap's speed-ups do not stay: no unsafe-io setting, no diverted
    // update-initramfs, and the one initramfs it generated at the end is there.
    EXPECT_FALSE(image.exists("/etc/dpkg/dpkg.cfg.d/kiln-bootstrap"));
    EXPECT_EQ(image.read("/var/lib/dpkg/diversions").value_or("").find("update-initramfs"),
              std::string::npos);
    EXPECT_TRUE(image.exists("/usr/sbin/update-initramfs"));
    EXPECT_FALSE(image.is_symlink("/usr/sbin/update-initramfs")) << "still the stand-in";
    bool initramfs = false;
    for (const auto& name : image.ls("/boot"))
        if (name.starts_with("initrd.img-")) {
            initramfs = true;
            // The targeted module set (MODULES=list), not every module (about 34 MB).
            EXPECT_LT(image.stat("/boot/" + name).size, 20L << 20) << name;
        }
    EXPECT_TRUE(initramfs) << "no initramfs in /boot";
    EXPECT_EQ(image.read("/etc/initramfs-tools/conf.d/kiln-modules").value_or(""),
              "MODULES=list\n");
    EXPECT_NE(image.read("/etc/initramfs-tools/modules").value_or("").find("\nvmw_pvscsi\n"),
              std::string::npos);
    std::string yml = image.read("/etc/kiln/image.yml").value_or("");
    EXPECT_NE(yml.find("patroni.service"), std::string::npos) << yml;
    EXPECT_NE(yml.find("/usr/lib/postgresql/15/bin"), std::string::npos) << yml;
}

TEST_F(BuildPatroni, BootsWithNoFailedUnitsAndNoClusterService) {
    BootReport r = boot_and_probe(shared->out / "debian12-patroni.qcow2", shared->scratch.path,
                                  probed_units(), 1500);
    std::cout << "boot to probe: " << r.seconds << " s\n";
    ASSERT_TRUE(r.booted) << r.console.substr(r.console.size() > 8000 ? r.console.size() - 8000
                                                                      : 0);
    EXPECT_TRUE(r.state == "running" || r.state == "degraded") << r.state;
    EXPECT_EQ(r.failed_units, "") << r.console.substr(
        r.console.size() > 8000 ? r.console.size() - 8000 : 0);
    for (const auto& unit : kClusterUnits) EXPECT_NE(r.active[unit], "active") << unit;
    EXPECT_EQ(r.active["kiln-firstboot.service"], "active") << "no metadata: waits, not failed";
    EXPECT_EQ(r.machine_id.size(), 32u);
}

}  // namespace
