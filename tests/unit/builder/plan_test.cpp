#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "kiln/sha256.hpp"
#include "plan/initramfs_modules.hpp"
#include "plan/planner.hpp"
#include "profile/loader.hpp"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

// The profile at `path`; one that does not load throws its report, which fails the test.
profile::Profile load_profile(const std::string& path) {
    SourceFiles sources;
    Report report;
    auto p = profile::load(path, {}, sources, report);
    if (!p) throw std::runtime_error(path + " does not load:\n" + report.format(&sources));
    return *p;
}

std::vector<std::string> kinds(const plan::Plan& plan) {
    std::vector<std::string> out;
    for (const auto& op : plan.operations) out.push_back(op.name());
    return out;
}

const std::string kDefaultProfile = std::string(KILN_SOURCE_DIR) + "/profiles/debian12-patroni.yml";

// A folder of its own for the files a test plans with, removed at the end.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("kiln-plan-files-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary | std::ios::trunc) << text;
        return path / name;
    }
};

const plan::Operation& find(const plan::Plan& plan, const std::string& name) {
    for (const auto& op : plan.operations)
        if (op.name() == name) return op;
    throw std::runtime_error("no " + name + " in the plan");
}

TEST(Plan, DefaultProfileRunsStagesInOrder) {
    auto plan = plan::make_plan(load_profile(kDefaultProfile), {});
    ASSERT_FALSE(plan.operations.empty());
    EXPECT_EQ(plan.operations.front().name(), "mmdebstrap");
    EXPECT_FALSE(std::get<plan::Bootstrap>(plan.operations.front().action).signatures)
        << "mmdebstrap checks with its own keyring; its digest has no signature inputs";
    EXPECT_TRUE(std::is_sorted(plan.operations.begin(), plan.operations.end(),
                               [](const auto& a, const auto& b) { return a.stage < b.stage; }));
    auto k = kinds(plan);
    for (auto expected :
         {"copy-tree", "install-firstboot", "seal-etcd-data", "seal-postgresql-clusters",
          "sysprep-machine-id", "make-disk", "install-bootloader", "write-ova", "write-qcow2"})
        EXPECT_NE(std::find(k.begin(), k.end(), expected), k.end()) << expected;
}

TEST(Plan, TheDcsServersBringTheirPackagesAndUnits) {
    TempDir dir;
    const std::string source = KILN_SOURCE_DIR;
    fs::create_directories(dir.path / "profiles/includes");
    fs::create_directories(dir.path / "overlays");
    fs::copy(source + "/overlays/consul", dir.path / "overlays/consul",
             fs::copy_options::recursive);
    fs::copy_file(source + "/profiles/includes/consul.yml",
                  dir.path / "profiles/includes/consul.yml");
    fs::path profile = dir.write("profiles/with-consul.yml",
                                 "version: 1\nbase:\n  bootstrap: {tool: mmdebstrap, release: "
                                 "bookworm, mirror: 'http://deb.debian.org/debian'}\n"
                                 "include: [includes/consul.yml]\n"
                                 "firstboot:\n  dcs: etcd\n  dcs_servers: [etcd, zookeeper]\n"
                                 "  services: [patroni.service]\n");
    auto plan = plan::make_plan(load_profile(profile.string()), {});
    auto names = [](const profile::TextList& list) {
        std::vector<std::string> out;
        for (const auto& t : list) out.push_back(t.value);
        return out;
    };
    // From Debian's archive into the bootstrap; Consul after HashiCorp's repository.
    EXPECT_EQ(names(std::get<plan::Bootstrap>(find(plan, "mmdebstrap").action).packages),
              (std::vector<std::string>{"etcd-server", "etcd-client", "python3-etcd", "zookeeperd",
                                        "python3-kazoo"}));
    EXPECT_EQ(
        names(std::get<plan::InstallPackages>(find(plan, "install-packages").action).packages),
        (std::vector<std::string>{"consul", "python3-consul"}));
    EXPECT_EQ(
        names(std::get<plan::DisableClusterServices>(find(plan, "disable-cluster-services").action)
                  .units),
        (std::vector<std::string>{"patroni.service", "consul.service", "etcd.service",
                                  "zookeeper.service"}));
}

TEST(Plan, IsDeterministic) {
    auto a = plan::make_plan(load_profile(kDefaultProfile), {});
    auto b = plan::make_plan(load_profile(kDefaultProfile), {});
    ASSERT_EQ(a.operations.size(), b.operations.size());
    for (std::size_t i = 0; i < a.operations.size(); ++i)
        EXPECT_EQ(a.operations[i].digest, b.operations[i].digest);
    EXPECT_EQ(a.profile_digest, b.profile_digest);
}

TEST(Plan, OverlayContentChangesOnlyItsOperationAndNotThePackageLayer) {
    fs::path dir = fs::temp_directory_path() / ("kiln-plan-" + std::to_string(::getpid()));
    fs::create_directories(dir / "tree/etc");
    std::ofstream(dir / "tree/etc/motd") << "one\n";
    std::ofstream(dir / "p.yml")
        << "version: 1\nbase:\n  bootstrap:\n    tool: debootstrap\n"
           "    release: bookworm\n    mirror: http://deb.debian.org/debian\n"
           "packages:\n  install: [curl]\noverlays:\n  - tree: tree\n    destination: /\n";
    auto before = plan::make_plan(load_profile((dir / "p.yml").string()), {});
    std::ofstream(dir / "tree/etc/motd") << "two\n";
    auto after = plan::make_plan(load_profile((dir / "p.yml").string()), {});
    fs::remove_all(dir);

    EXPECT_EQ(before.package_layer_digest, after.package_layer_digest);
    EXPECT_NE(before.profile_digest, after.profile_digest);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < before.operations.size(); ++i)
        if (before.operations[i].digest != after.operations[i].digest) {
            ++changed;
            EXPECT_EQ(before.operations[i].name(), "copy-tree");
        }
    EXPECT_EQ(changed, 1u);
}

TEST(Plan, PackageChangeChangesTheLayer) {
    auto p = load_profile(kDefaultProfile);
    auto before = plan::make_plan(p, {});
    p.base.bootstrap->packages.push_back({"htop", {}});
    EXPECT_NE(before.package_layer_digest, plan::make_plan(p, {}).package_layer_digest);
}

TEST(Plan, FirstbootDigestFollowsTheBinaryAndTheUnitItInstalls) {
    TempDir dir;
    plan::PlanInputs inputs{dir.write("kiln-firstboot",
                                      "\x7f"
                                      "ELF one"),
                            dir.write("kiln-firstboot.service", "[Service]\nExecStart=/x\n")};
    auto p = load_profile(kDefaultProfile);
    auto first = plan::make_plan(p, inputs);
    const auto& install = std::get<plan::InstallFirstboot>(find(first, "install-firstboot").action);
    EXPECT_EQ(install.binary.path, inputs.firstboot_binary) << "the executor installs this file";
    EXPECT_EQ(install.unit.path, inputs.firstboot_unit);

    dir.write("kiln-firstboot",
              "\x7f"
              "ELF two");
    auto new_binary = plan::make_plan(p, inputs);
    EXPECT_NE(find(new_binary, "install-firstboot").digest,
              find(first, "install-firstboot").digest);
    EXPECT_NE(new_binary.profile_digest, first.profile_digest);
    EXPECT_EQ(new_binary.package_layer_digest, first.package_layer_digest);

    dir.write("kiln-firstboot.service", "[Service]\nExecStart=/y\n");
    auto new_unit = plan::make_plan(p, inputs);
    EXPECT_NE(find(new_unit, "install-firstboot").digest,
              find(new_binary, "install-firstboot").digest);

    // No unit found: the fallback unit is what gets installed, and what is digested.
    auto fallback = plan::make_plan(p, {inputs.firstboot_binary, {}});
    EXPECT_EQ(
        std::get<plan::InstallFirstboot>(find(fallback, "install-firstboot").action).unit.digest,
        sha256_hex(plan::fallback_firstboot_unit()));
}

TEST(Plan, RelabelAndTrimOfABootstrapAreDiskOperationsAfterTheBootloader) {
    TempDir dir;
    auto p = load_profile(dir.write("el.yml",
                                    "version: 1\nbase:\n  bootstrap:\n    tool: dnf\n"
                                    "    release: '9'\n    mirror: http://mirror.example/el9/\n"
                                    "    gpgkey: http://mirror.example/RPM-GPG-KEY\n"
                                    "sysprep:\n  selinux_relabel: true\n")
                              .string());
    auto plan = plan::make_plan(p, {});
    auto k = kinds(plan);
    auto at = [&](const char* name) { return std::find(k.begin(), k.end(), name) - k.begin(); };
    ASSERT_LT(at("selinux-relabel"), static_cast<long>(k.size()));
    EXPECT_EQ(find(plan, "selinux-relabel").stage, plan::Stage::disk);
    EXPECT_EQ(find(plan, "sysprep-zero-free-space").stage, plan::Stage::disk);
    EXPECT_LT(at("install-bootloader"), at("selinux-relabel"));
    EXPECT_LT(at("selinux-relabel"), at("sysprep-zero-free-space"));
    EXPECT_LT(at("sysprep-zero-free-space"), at("write-qcow2"));
}

// A profile with build steps between its units and its first-boot wiring.
std::string with_scripts(const std::string& second_step) {
    return "version: 1\nbase:\n  bootstrap: {tool: mmdebstrap, release: bookworm, mirror: "
           "'http://deb.debian.org/debian'}\npackages:\n  install: [hello]\n"
           "settings:\n  timezone: UTC\nunits:\n  enable: [ssh.service]\n"
           "scripts:\n"
           "  - name: first\n    interpreter: /bin/sh\n    run: echo one\n"
           "  - name: second\n    interpreter: /bin/bash\n" +
           second_step +
           "  - name: third\n    interpreter: /bin/sh\n    run: echo three\n"
           "firstboot:\n  dcs: etcd\n  services: [patroni.service]\n";
}

TEST(Plan, ScriptsRunInOrderAfterTheCustomizationsAndBeforeFirstboot) {
    TempDir dir;
    auto plan = plan::make_plan(
        load_profile(dir.write("steps.yml", with_scripts("    run: echo two\n")).string()), {});
    auto k = kinds(plan);
    auto at = [&](const char* name) { return std::find(k.begin(), k.end(), name) - k.begin(); };
    ASSERT_LT(at("script-third"), static_cast<long>(k.size()));
    EXPECT_LT(at("set-timezone"), at("script-first"));
    EXPECT_LT(at("enable-units"), at("script-first"));
    EXPECT_EQ(at("script-second"), at("script-first") + 1);
    EXPECT_EQ(at("script-third"), at("script-second") + 1);
    EXPECT_LT(at("script-third"), at("install-firstboot"));
    EXPECT_LT(at("script-third"), at("seal-etcd-data"));
    EXPECT_EQ(find(plan, "script-second").stage, plan::Stage::scripts);
    const auto& second = std::get<plan::RunScript>(find(plan, "script-second").action);
    EXPECT_EQ(second.interpreter.value, "/bin/bash");
    EXPECT_EQ(second.text.value, "echo two");
    EXPECT_EQ(find(plan, "script-second").where.line, 14);  // the step's `- name:` line
}

// Changing a step changes its own digest and the profile's; the steps before it and the cached
// package layer keep theirs. A file step is digested by its content, an env by its values.
TEST(Plan, AStepsDigestFollowsItsTextFileAndEnvironmentAlone) {
    TempDir dir;
    auto plan_with = [&](const std::string& second) {
        return plan::make_plan(load_profile(dir.write("steps.yml", with_scripts(second)).string()),
                               {});
    };
    auto digest = [](const plan::Plan& plan, const char* name) { return find(plan, name).digest; };
    auto base = plan_with("    run: echo two\n");
    auto changed = plan_with("    run: echo 2\n");
    EXPECT_NE(digest(changed, "script-second"), digest(base, "script-second"));
    EXPECT_EQ(digest(changed, "script-first"), digest(base, "script-first"));
    EXPECT_EQ(digest(changed, "script-third"), digest(base, "script-third"));
    EXPECT_EQ(changed.package_layer_digest, base.package_layer_digest);
    EXPECT_NE(changed.profile_digest, base.profile_digest);

    auto with_env = plan_with("    run: echo two\n    env: {SITE: lab}\n");
    EXPECT_NE(digest(with_env, "script-second"), digest(base, "script-second"));
    auto other_env = plan_with("    run: echo two\n    env: {SITE: prod}\n");
    EXPECT_NE(digest(other_env, "script-second"), digest(with_env, "script-second"));

    dir.write("step.sh", "echo two\n");
    auto from_file = plan_with("    file: step.sh\n");
    dir.write("step.sh", "echo 2\n");
    auto file_changed = plan_with("    file: step.sh\n");
    EXPECT_NE(digest(file_changed, "script-second"), digest(from_file, "script-second"));
    EXPECT_EQ(digest(file_changed, "script-first"), digest(from_file, "script-first"));
    EXPECT_EQ(std::get<plan::RunScript>(find(file_changed, "script-second").action).file.digest,
              sha256_hex("echo 2\n"));
}

// The EL 9 profile: a dnf bootstrap whose repositories all check signatures with a key, the
// cluster's packages, sealing, and the relabel of the finished disk.
TEST(Plan, TheRocky9ProfileIsASignedDnfBootstrapThatIsRelabelled) {
    auto plan = plan::make_plan(
        load_profile(std::string(KILN_SOURCE_DIR) + "/profiles/rocky9-patroni.yml"), {});
    auto k = kinds(plan);
    EXPECT_EQ(k.front(), "dnf");
    const auto& bootstrap = std::get<plan::Bootstrap>(plan.operations.front().action);
    ASSERT_TRUE(bootstrap.signatures) << "dnf checks the bootstrap mirror's signatures";
    EXPECT_TRUE(bootstrap.signatures->gpgcheck);
    EXPECT_EQ(bootstrap.signatures->gpgkey.value,
              "https://dl.rockylinux.org/pub/rocky/RPM-GPG-KEY-Rocky-9");
    std::set<std::string> repositories;
    for (const auto& op : plan.operations)
        if (const auto* repo = std::get_if<plan::AddRepository>(&op.action)) {
            repositories.insert(repo->repository.value);
            EXPECT_TRUE(repo->gpgcheck) << repo->repository.value;
            EXPECT_TRUE(repo->gpgkey.value.starts_with("https://") ||
                        repo->gpgkey.value.starts_with("file:///etc/pki/rpm-gpg/"))
                << repo->repository.value;
        }
    for (const char* repo : {"kiln-baseos", "kiln-appstream", "epel", "pgdg15", "pgdg-extras"})
        EXPECT_TRUE(repositories.contains(repo)) << repo;
    const auto& install = std::get<plan::InstallPackages>(find(plan, "install-packages").action);
    EXPECT_EQ(install.manager, profile::PackageManager::dnf);
    for (const char* name : {"seal-etcd-data", "seal-postgresql-clusters", "install-firstboot"})
        EXPECT_NE(std::find(k.begin(), k.end(), name), k.end()) << name;
    auto at = [&](const char* name) { return std::find(k.begin(), k.end(), name) - k.begin(); };
    EXPECT_LT(at("install-bootloader"), at("selinux-relabel"));
    EXPECT_LT(at("selinux-relabel"), static_cast<long>(k.size()));
    const auto& ova = std::get<plan::WriteOutput>(find(plan, "write-ova").action);
    EXPECT_EQ(ova.ovf->os_type.value, "rhel9_64Guest");
}

// A Debian bootstrap's initramfs carries VMware's and QEMU's disk drivers and the root
// filesystem's, not every module; the list is in the bootstrap's digest (the package layer
// holds the initramfs). EL keeps dracut's default.
TEST(Plan, ADebianInitramfsCarriesTheTargetedModuleSet) {
    TempDir dir;
    auto bootstrap_of = [&](const std::string& tool, const std::string& filesystem) {
        auto plan = plan::make_plan(
            load_profile(
                dir.write("initramfs.yml",
                          "version: 1\nbase:\n  bootstrap: {tool: " + tool +
                              ", release: '12', mirror: 'http://mirror.example/'" +
                              (tool == "dnf" ? ", gpgkey: 'http://mirror.example/key'" : "") +
                              "}\n"
                              "disk:\n  filesystem: " +
                              filesystem + "\n")
                    .string()),
            {});
        return std::make_pair(std::get<plan::Bootstrap>(plan.operations.front().action),
                              plan.package_layer_digest);
    };
    auto names = [](const plan::Bootstrap& b) {
        std::set<std::string> out;
        for (const auto& m : b.initramfs_modules) out.insert(m.value);
        return out;
    };
    plan::Bootstrap ext4 = bootstrap_of("mmdebstrap", "ext4").first;
    for (const char* driver :
         {"vmw_pvscsi", "mptspi", "mptsas", "ahci", "ata_piix", "vmxnet3", "e1000", "e1000e",
          "virtio_pci", "virtio_blk", "virtio_scsi", "virtio_net", "sd_mod", "ext4"})
        EXPECT_TRUE(names(ext4).contains(driver)) << driver;
    EXPECT_FALSE(names(ext4).contains("xfs"));
    // A bootstrap cannot have an XFS root (the profile says so); the list follows the root.
    plan::Bootstrap xfs;
    xfs.initramfs_modules = plan::initramfs_modules(profile::Filesystem::xfs, {});
    EXPECT_TRUE(names(xfs).contains("xfs"));
    EXPECT_FALSE(names(xfs).contains("ext4"));
    EXPECT_TRUE(bootstrap_of("dnf", "ext4").first.initramfs_modules.empty());
}

}  // namespace
