// Bad input and interruption: each failing build names the profile line at fault, exits
// non-zero, and leaves nothing at the output path; scratch left by a killed build is removed
// by the next one.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "harness.hpp"
#include "kiln/sha256.hpp"

namespace fs = std::filesystem;
using namespace kiln_test;

namespace {

class BuildErrors : public ::testing::Test {
protected:
    Scratch scratch{"build-errors"};
    fs::path out = scratch.path / "out";
    fs::path work = scratch.path / "work";

    fs::path write_profile(const std::string& name, const std::string& text) {
        fs::path p = scratch.path / name;
        std::ofstream(p) << text;
        return p;
    }
    CommandResult build(const fs::path& profile) {
        fs::create_directories(out);
        return run_command({kiln_binary(), "build", profile.string(), "-o", out.string(),
                            "--work-dir", work.string(), "--cache-dir",
                            test_cache(scratch.path / "cache").string(), "--accel", "tcg"});
    }
    // A build without the cache, stopped with `stop` after 8 s (while debootstrap runs).
    CommandResult interrupted_build(const fs::path& profile, int stop) {
        CommandOptions options;
        options.timeout = std::chrono::seconds(8);
        options.stop_signal = stop;
        options.expect_timeout = true;
        options.kill_after = std::chrono::minutes(5);  // kiln's own clean-up may take a while
        return run_command({kiln_binary(), "build", profile.string(), "-o", out.string(),
                            "--work-dir", work.string(), "--no-cache", "--accel", "tcg"},
                           options);
    }
    std::vector<std::string> output_files() {
        std::vector<std::string> names;
        if (fs::exists(out))
            for (const auto& e : fs::directory_iterator(out))
                names.push_back(e.path().filename().string());
        return names;
    }
    static std::string image_profile(const std::string& image_lines) {
        return "version: 1\nname: bad\npackage_manager: apt\nbase:\n  image:\n" + image_lines +
               "outputs:\n  qcow2:\n";
    }
    static std::string bootstrap_profile(const std::string& packages, const std::string& install) {
        return "version: 1\nname: bad\nbase:\n  bootstrap:\n    tool: debootstrap\n    release: "
               "bookworm\n"
               "    mirror: http://deb.debian.org/debian\n    variant: minbase\n    packages: [" +
               packages + "]\n" +
               (install.empty() ? "" : "packages:\n  install: [" + install + "]\n") +
               "disk:\n  size: 2G\noutputs:\n  qcow2:\n";
    }
};

TEST_F(BuildErrors, MissingBaseImageNamesItsLine) {
    auto p = write_profile(
        "missing.yml",
        image_profile("    path: no-such-image.qcow2\n    sha256: " + std::string(64, '0') + "\n"));
    CommandResult r = build(p);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("missing.yml:6:11: error: base image 'no-such-image.qcow2' not found"),
              std::string::npos)
        << r.out;
    EXPECT_TRUE(output_files().empty());
}

TEST_F(BuildErrors, Sha256MismatchIsRefusedBeforeUse) {
    ASSERT_EQ(run_command({"qemu-img", "create", "-q", "-f", "qcow2",
                           (scratch.path / "base.qcow2").string(), "1G"})
                  .exit_code,
              0);
    auto p = write_profile(
        "mismatch.yml",
        image_profile("    path: base.qcow2\n    sha256: " + std::string(64, 'a') + "\n"));
    CommandResult r = build(p);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("mismatch.yml:7:13: base image sha256 mismatch: the profile expects aaaa"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("refusing to use it"), std::string::npos);
    EXPECT_TRUE(output_files().empty());
}

TEST_F(BuildErrors, MissingOverlaySourceNamesItsLine) {
    auto p = write_profile(
        "overlay.yml",
        bootstrap_profile("", "") + "overlays:\n  - tree: no-such-folder\n    destination: /\n");
    CommandResult r = build(p);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("overlay.yml:15:11: error: overlay source 'no-such-folder' not found"),
              std::string::npos)
        << r.out;
    EXPECT_TRUE(output_files().empty());
}

TEST_F(BuildErrors, UnknownBootstrapPackageNamesItsLine) {
    auto p = write_profile("bootpkg.yml", bootstrap_profile("tzdata, kiln-no-such-package", ""));
    CommandResult r = build(p);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(
        r.out.find("bootpkg.yml:9:24: package 'kiln-no-such-package' does not exist in bookworm"),
        std::string::npos)
        << r.out;
    EXPECT_TRUE(output_files().empty());
}

TEST_F(BuildErrors, UnknownAptPackageNamesItsLine) {
    auto p = write_profile("aptpkg.yml", bootstrap_profile("", "hello, kiln-no-such-package"));
    CommandResult r = build(p);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(
        r.out.find(
            "aptpkg.yml:11:20: package 'kiln-no-such-package' does not exist in the configured "
            "repositories (apt)"),
        std::string::npos)
        << r.out;
    EXPECT_TRUE(output_files().empty());
}

// A build step that exits non-zero fails the build at the step's line, with its last lines.
TEST_F(BuildErrors, FailingBuildStepNamesItsLineAndLastLines) {
    auto p = write_profile("step.yml", bootstrap_profile("", "") +
                                           "scripts:\n"
                                           "  - name: fails\n"
                                           "    interpreter: /bin/sh\n"
                                           "    run: |\n"
                                           "      echo kiln-step-was-here\n"
                                           "      echo kiln-step-says-no >&2\n"
                                           "      exit 7\n");
    CommandResult r = build(p);
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_NE(r.out.find("step.yml:15:5: script 'fails' failed: exit 7:"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("kiln-step-was-here\nkiln-step-says-no"), std::string::npos) << r.out;
    EXPECT_TRUE(output_files().empty());
}

TEST_F(BuildErrors, InterruptedBuildLeavesNothingAndScratchIsCleaned) {
    auto p = write_profile("interrupt.yml", bootstrap_profile("", ""));
    fs::create_directories(out);
    // A stale temporary of a build that was SIGKILLed (its process is gone).
    std::ofstream(out / ".bad.qcow2.kiln-999999.tmp") << "half";
    // SIGTERM while debootstrap runs: exit 130, no output, no scratch left.
    CommandResult r = interrupted_build(p, SIGTERM);
    EXPECT_TRUE(r.timed_out) << "the build ended before it could be interrupted: " << r.out;
    EXPECT_EQ(r.exit_code, 130) << r.ending() << "\n" << r.out;
    EXPECT_NE(r.out.find("interrupted"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::is_empty(work)) << "scratch left behind";
    EXPECT_EQ(output_files(), std::vector<std::string>{});  // the stale temporary was removed too
    EXPECT_EQ(run_command({"pgrep", "-f", work.string()}).exit_code, 1) << "a tool outlived kiln";

    // SIGKILL: kiln cannot clean up; nothing is at the output path, and the next build removes
    // the dead build's scratch folder.
    r = interrupted_build(p, SIGKILL);
    EXPECT_TRUE(r.timed_out) << "the build ended before it could be killed: " << r.out;
    EXPECT_EQ(r.signal, SIGKILL) << r.ending() << "\n" << r.out;
    EXPECT_FALSE(fs::is_empty(work));
    EXPECT_TRUE(output_files().empty());
    ::sleep(2);  // debootstrap's own children die with their parent (PDEATHSIG)
    ASSERT_EQ(run_command({"qemu-img", "create", "-q", "-f", "qcow2",
                           (scratch.path / "base.qcow2").string(), "1G"})
                  .exit_code,
              0);
    auto next = write_profile(
        "next.yml",
        image_profile("    path: base.qcow2\n    sha256: " + std::string(64, 'a') + "\n"));
    build(next);
    EXPECT_TRUE(fs::is_empty(work)) << "the killed build's scratch folder was not removed";
}

}  // namespace
