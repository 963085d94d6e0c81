// The executor runs what the plan says, where the build puts it: the disk stage's relabel and
// trim on the finished disk (faked here: the real one is the libguestfs appliance), sysprep
// through the table on the guest's files.
#include "bake/executor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "bake/guest/mounted_disk.hpp"
#include "bake/guest/native_root.hpp"
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

plan::Plan plan_for(const TempDir& dir, const std::string& sysprep) {
    fs::path file = dir.write("el.yml",
                              "version: 1\nbase:\n  bootstrap:\n    tool: dnf\n    release: '9'\n"
                              "    mirror: http://mirror.example/el9/\nsysprep:\n" +
                                  sysprep);
    SourceFiles sources;
    Report report;
    auto profile = profile::load(file.string(), {}, sources, report);
    EXPECT_TRUE(profile) << report.format(&sources);
    return plan::make_plan(*profile, {});
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

}  // namespace
