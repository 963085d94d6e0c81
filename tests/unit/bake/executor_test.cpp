// The executor runs what the plan says, where the build puts it: the disk stage's relabel and
// trim on the finished disk (faked here: the real one is the libguestfs appliance), sysprep
// through the table on the guest's files, build steps through the guest's command runner.
#include "bake/executor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bake/guest/mounted_disk.hpp"
#include "bake/guest/native_root.hpp"
#include "bake/steps/scripts.hpp"
#include "bake/steps/selinux.hpp"
#include "plan/planner.hpp"
#include "profile/loader.hpp"

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::bake;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("kiln-executor-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& text) const {
        fs::create_directories((path / name).parent_path());
        std::ofstream(path / name) << text;
        return path / name;
    }
};

// The plan of profile `name` with `text`; one that does not load throws its report.
plan::Plan load_plan(const TempDir& dir, const std::string& name, const std::string& text) {
    fs::path file = dir.write(name, text);
    SourceFiles sources;
    Report report;
    auto profile = profile::load(file.string(), {}, sources, report);
    if (!profile) throw std::runtime_error(report.format(&sources));
    return plan::make_plan(*profile, {});
}

// An EL bootstrap profile with `tail` appended.
plan::Plan plan_of(const TempDir& dir, const std::string& tail) {
    return load_plan(dir, "el.yml",
                     "version: 1\nbase:\n  bootstrap:\n    tool: dnf\n    release: '9'\n"
                     "    mirror: http://mirror.example/el9/\n"
                     "    gpgkey: http://mirror.example/RPM-GPG-KEY\n" +
                         tail);
}

plan::Plan plan_for(const TempDir& dir, const std::string& sysprep) {
    return plan_of(dir, "sysprep:\n" + sysprep);
}

NumberedOperations in_stage(const plan::Plan& plan, plan::Stage stage) {
    NumberedOperations out;
    for (std::size_t i = 0; i < plan.operations.size(); ++i)
        if (plan.operations[i].stage == stage) out.emplace_back(i + 1, &plan.operations[i]);
    return out;
}

// The finished disk as the appliance would present it: the guest's files, and a record of
// what was asked of the disk itself.
class FakeDisk final : public MountedDisk {
public:
    explicit FakeDisk(const fs::path& guest) : files_(guest) {}

    Root& files() override { return files_; }
    void selinux_relabel(const std::string& file_contexts) override {
        relabelled.push_back(file_contexts);
    }
    std::string trim_free_space() override {
        ++trims;
        return "trimmed";
    }

    std::vector<std::string> relabelled;
    int trims = 0;

private:
    NativeRoot files_;
};

struct Build {
    std::ostringstream log;
    BuildOptions options;
    Progress progress{log, false, 20};
    Context ctx;
    Executor executor{ctx};
    explicit Build(const fs::path& work)
        : ctx(options, progress, work, profile::PackageManager::dnf) {}
};

TEST(Executor, ADnfBootstrapIsRelabelledAndTrimmedOnItsFinishedDisk) {
    TempDir dir;
    dir.write("guest/etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n");
    dir.write("guest/etc/selinux/targeted/contexts/files/file_contexts", "/.* system_u\n");
    plan::Plan plan = plan_for(dir, "  selinux_relabel: true\n");
    Build build(dir.path);
    FakeDisk disk(dir.path / "guest");
    build.executor.finished_disk = &disk;

    NumberedOperations disk_stage = in_stage(plan, plan::Stage::disk);
    disk_stage.erase(disk_stage.begin(), disk_stage.begin() + 2);  // make-disk, install-bootloader
    ASSERT_EQ(disk_stage.size(), 2u);
    build.executor.run(disk_stage);

    EXPECT_EQ(disk.relabelled,
              std::vector<std::string>{"/etc/selinux/targeted/contexts/files/file_contexts"});
    EXPECT_EQ(disk.trims, 1);
    EXPECT_NE(build.log.str().find("selinux-relabel"), std::string::npos) << build.log.str();
    EXPECT_NE(build.log.str().find("trimmed"), std::string::npos) << build.log.str();
}

// An image base asks its appliance, once launched and before any package, whether it can relabel
// (setfiles): a plan that relabels stops there, at its profile line, naming the missing tool.
plan::Plan image_plan(const TempDir& dir, bool relabel) {
    dir.write("base.qcow2", "not read when planning");
    return load_plan(
        dir, "image.yml",
        "version: 1\nbase:\n  image:\n    path: base.qcow2\n    sha256: " + std::string(64, '0') +
            "\npackage_manager: apt\nsysprep:\n  selinux_relabel: " + (relabel ? "true" : "false") +
            "\n");
}

TEST(RelabelTool, ARelabellingBuildStopsAtItsProfileLineWhenTheApplianceHasNoSetfiles) {
    TempDir dir;
    plan::Plan plan = image_plan(dir, true);
    try {
        require_relabel_tool(plan, false);
        FAIL() << "a relabel the appliance cannot do was accepted";
    } catch (const LocatedError& e) {
        std::string message = e.what();
        EXPECT_NE(message.find("image.yml:8:"), std::string::npos) << message;
        EXPECT_NE(message.find("'sysprep.selinux_relabel'"), std::string::npos) << message;
        EXPECT_NE(message.find("no setfiles"), std::string::npos) << message;
        EXPECT_EQ(e.code(), ExitCode::failed);
    }
}

TEST(RelabelTool, AnApplianceWithSetfilesOrAPlanWithoutRelabelGoesOn) {
    TempDir dir;
    EXPECT_NO_THROW(require_relabel_tool(image_plan(dir, true), true));
    EXPECT_NO_THROW(require_relabel_tool(image_plan(dir, false), false));
}

TEST(Executor, SysprepRunsTheTablesOperationsOnTheGuestFiles) {
    TempDir dir;
    dir.write("guest/tmp/left-over", "x");
    dir.write("guest/var/log/dnf.log", "x");
    fs::create_directories(dir.path / "guest/var/log/audit");
    plan::Plan plan = plan_for(dir, "  operations: [tmp-files, logs]\n");
    Build build(dir.path);
    NativeRoot guest(dir.path / "guest");
    build.ctx.root = &guest;

    build.executor.run(in_stage(plan, plan::Stage::sysprep));

    EXPECT_TRUE(fs::is_empty(dir.path / "guest/tmp"));
    EXPECT_FALSE(fs::exists(dir.path / "guest/var/log/dnf.log"));
    EXPECT_TRUE(fs::is_directory(dir.path / "guest/var/log/audit")) << "services own the folders";
    EXPECT_NE(build.log.str().find("1 files"), std::string::npos) << build.log.str();
}

// The data disk is mounted by its label through a unit the build writes, and every cluster
// service requires that mount: none writes its state onto the OS disk.
TEST(Executor, TheDataDiskGetsAMountUnitEveryServiceRequires) {
    TempDir dir;
    plan::Plan plan =
        plan_of(dir,
                "firstboot:\n  dcs: etcd\n  services: [etcd.service, patroni.service]\n"
                "data_disk:\n  size: 2G\n  mount: /var/lib/kiln-data\n  label: pgdata\n");
    fs::create_directories(dir.path / "guest/etc/systemd/system");
    Build build(dir.path);
    NativeRoot guest(dir.path / "guest");
    build.ctx.root = &guest;
    NumberedOperations configure;
    for (const auto& numbered : in_stage(plan, plan::Stage::firstboot))
        if (numbered.second->name() == "configure-data-disk") configure.push_back(numbered);
    ASSERT_EQ(configure.size(), 1u);
    build.executor.run(configure);

    std::ifstream in(dir.path / "guest/etc/systemd/system/var-lib-kiln\\x2ddata.mount");
    std::stringstream unit;
    unit << in.rdbuf();
    EXPECT_NE(unit.str().find("What=/dev/disk/by-label/pgdata\n"), std::string::npos) << unit.str();
    EXPECT_NE(unit.str().find("Where=/var/lib/kiln-data\n"), std::string::npos);
    EXPECT_NE(unit.str().find("Type=ext4\n"), std::string::npos);
    EXPECT_NE(unit.str().find("nofail"), std::string::npos);
    EXPECT_TRUE(fs::is_directory(dir.path / "guest/var/lib/kiln-data"));
    for (const char* service : {"etcd.service", "patroni.service"}) {
        std::ifstream drop_in(dir.path / "guest/etc/systemd/system" /
                              (std::string(service) + ".d") / "20-kiln-data-disk.conf");
        std::stringstream text;
        text << drop_in.rdbuf();
        EXPECT_NE(text.str().find("RequiresMountsFor=/var/lib/kiln-data\n"), std::string::npos)
            << service;
    }
}

// A guest whose files are a host tree and whose commands run on the host itself, the step's
// files (/tmp/kiln-script...) mapped into the tree: what a chroot does, without the privileges
// a chroot needs.
class HostCommandsRoot final : public Root {
public:
    explicit HostCommandsRoot(const fs::path& tree) : tree_(tree), files_(tree) {}

    std::string describe() const override { return "the test tree"; }
    bool exists(const std::string& p) override { return files_.exists(p); }
    bool is_directory(const std::string& p) override { return files_.is_directory(p); }
    bool is_symlink(const std::string& p) override { return files_.is_symlink(p); }
    std::optional<std::string> read_file(const std::string& p) override {
        return files_.read_file(p);
    }
    void write_file(const std::string& p, const std::string& content, unsigned mode, unsigned uid,
                    unsigned gid) override {
        files_.write_file(p, content, mode, uid, gid);
    }
    bool make_directory(const std::string& p, unsigned mode, unsigned uid, unsigned gid) override {
        return files_.make_directory(p, mode, uid, gid);
    }
    void symlink(const std::string& target, const std::string& p) override {
        files_.symlink(target, p);
    }
    void remove(const std::string& p) override { files_.remove(p); }
    std::vector<std::string> list(const std::string& d) override { return files_.list(d); }
    ProcessResult run(const std::vector<std::string>& argv, const std::vector<std::string>&,
                      StdoutTo stdout_to) override {
        std::vector<std::string> mapped;
        for (const auto& arg : argv)
            mapped.push_back(arg.starts_with("/tmp/kiln-script") ? (tree_ / arg.substr(1)).string()
                                                                 : arg);
        return bake::run({mapped}, stdout_to);
    }

private:
    fs::path tree_;
    NativeRoot files_;
};

// Collects what the build log gets for as long as it lives.
struct LogLines {
    std::string text;
    LogLines() {
        set_log_sink([this](const std::string& line) { text += line + "\n"; });
    }
    ~LogLines() { set_log_sink({}); }
};

const char* const kSteps =
    "scripts:\n"
    "  - name: first\n"
    "    interpreter: /bin/sh\n"
    "    run: |\n"
    "      echo \"hello from $SITE\"\n"
    "      echo to-stderr >&2\n"
    "      env | sort\n"
    "    env:\n"
    "      SITE: lab\n"
    "  - name: second\n"
    "    interpreter: /bin/sh\n"
    "    run: |\n"
    "      echo line-1\n"
    "      echo line-2 >&2\n"
    "      exit 3\n"
    "  - name: third\n"
    "    interpreter: /bin/sh\n"
    "    run: touch /never\n";

// kSteps planned, and a build whose guest (with /bin/sh and /tmp) runs commands on the host.
struct StepsBuild {
    TempDir dir;
    plan::Plan plan = prepared(dir);
    Build build{dir.path};
    HostCommandsRoot guest{dir.path / "guest"};
    StepsBuild() { build.ctx.root = &guest; }

    static plan::Plan prepared(const TempDir& dir) {
        dir.write("guest/bin/sh", "");
        fs::create_directories(dir.path / "guest/tmp");
        return plan_of(dir, kSteps);
    }
};

TEST(Executor, BuildStepsRunInOrderWithTheirOwnEnvironmentAndLogTheirOutput) {
    StepsBuild b;
    auto& [dir, plan, build, guest] = b;
    ::setenv("KILN_TEST_HOST_ONLY", "leaked", 1);
    LogLines log;

    NumberedOperations steps = in_stage(plan, plan::Stage::scripts);
    ASSERT_EQ(steps.size(), 3u);
    build.executor.run({steps.front()});

    EXPECT_NE(log.text.find("[first] hello from lab\n"), std::string::npos) << log.text;
    EXPECT_NE(log.text.find("[first] to-stderr\n"), std::string::npos) << log.text;
    EXPECT_NE(log.text.find("[first] LANG=C.UTF-8\n"), std::string::npos) << log.text;
    EXPECT_NE(log.text.find("[first] HOME=/root\n"), std::string::npos) << log.text;
    EXPECT_NE(log.text.find("[first] PATH=/usr/local/sbin:"), std::string::npos) << log.text;
    EXPECT_EQ(log.text.find("KILN_TEST_HOST_ONLY"), std::string::npos) << "the build's env leaked";
    EXPECT_EQ(log.text.find("LC_ALL"), std::string::npos) << log.text;
    EXPECT_FALSE(fs::exists(dir.path / "guest/tmp/kiln-script"));
    EXPECT_FALSE(fs::exists(dir.path / "guest/tmp/kiln-script.log"));
    EXPECT_NE(build.log.str().find("lines of output"), std::string::npos) << build.log.str();
    ::unsetenv("KILN_TEST_HOST_ONLY");
}

// A failing step stops the build at its own profile line, with the last lines it printed; the
// steps after it do not run.
TEST(Executor, AFailingStepIsLocatedAtItsProfileLineWithItsLastLines) {
    StepsBuild b;
    auto& [dir, plan, build, guest] = b;
    LogLines log;

    NumberedOperations steps = in_stage(plan, plan::Stage::scripts);
    steps.erase(steps.begin());
    try {
        build.executor.run(steps);
        FAIL() << "the failing step did not stop the build";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir.path / "el.yml").string() +
                      ":17:5: script 'second' failed: exit 3:\nline-1\nline-2");
        EXPECT_EQ(e.code(), ExitCode::failed);
    }
    EXPECT_EQ(build.executor.current()->name(), "script-second");
    EXPECT_NE(log.text.find("[second] line-2\n"), std::string::npos) << log.text;
    EXPECT_FALSE(fs::exists("/never"));
    EXPECT_FALSE(fs::exists(dir.path / "guest/tmp/kiln-script"));
}

TEST(Executor, AStepWhoseInterpreterIsNotInTheImageNamesIt) {
    TempDir dir;
    fs::create_directories(dir.path / "guest/tmp");
    plan::Plan plan = plan_of(dir,
                              "scripts:\n  - name: py\n    interpreter: /usr/bin/python3\n"
                              "    run: print(1)\n");
    Build build(dir.path);
    HostCommandsRoot guest(dir.path / "guest");
    build.ctx.root = &guest;
    try {
        build.executor.run(in_stage(plan, plan::Stage::scripts));
        FAIL() << "a step ran without its interpreter";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir.path / "el.yml").string() +
                      ":10:18: script 'py': its interpreter /usr/bin/python3 is not in the image "
                      "(install its package first)");
    }
}

}  // namespace
