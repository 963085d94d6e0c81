// The dnf bootstrap for real, with no EL mirror and no VM: the test makes a signing key, builds
// tiny noarch RPMs (stand-ins for what every EL root gets, a package that needs another, one
// signed with a key the repository does not name), signs them, makes a repository of them with
// createrepo_c, and runs a profile's bootstrap through kiln's loader, planner and executor with
// gpgcheck on, as `kiln build` does.
#include <gtest/gtest.h>

#include <sstream>

#include "bake/executor.hpp"
#include "bake/guest/native_root.hpp"
#include "harness.hpp"
#include "plan/planner.hpp"
#include "profile/loader.hpp"
#include "test_gnupg.hpp"

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::bake;
using kiln_test::CommandOptions;
using kiln_test::read_text;
using kiln_test::run_command;

namespace {

const char* const kSpec = R"(Name: %{pkg}
Version: 1.0
Release: 1
Summary: kiln test package %{pkg}
License: MIT
BuildArch: noarch
%{?requires:Requires: %{requires}}
%description
A stand-in package built by kiln's dnf bootstrap test.
%install
mkdir -p %{buildroot}/usr/share/kiln-test
echo %{pkg} > %{buildroot}/usr/share/kiln-test/%{pkg}
%files
/usr/share/kiln-test/%{pkg}
)";

// A repository of signed packages, made once for every test here: file:// URLs of the
// repository and of the key its packages are signed with.
class SignedRepository : public ::testing::Test {
protected:
    static inline kiln_test::Scratch* scratch = nullptr;
    static inline kiln_test::TestGnupg* gnupg = nullptr;
    static inline fs::path repository, key;

    static void SetUpTestSuite() {
        scratch = new kiln_test::Scratch("dnf-bootstrap");
        gnupg = new kiln_test::TestGnupg(scratch->path / "gnupg");
        repository = scratch->path / "repository";
        key = scratch->path / "RPM-GPG-KEY-kiln-test";
        fs::create_directories(repository);
        std::ofstream(scratch->path / "package.spec") << kSpec;
        gnupg->make_key("kiln test <good@kiln.test>");
        gnupg->make_key("kiln other <other@kiln.test>");
        // What every EL bootstrap installs, the profile's package with its dependency, and a
        // package the repository's key did not sign (alone, and as a dependency).
        for (const char* p :
             {"basesystem", "systemd", "kernel", "grub2-pc", "dracut-config-generic", "kiln-lib"})
            add_package(p, "", "kiln test");
        add_package("kiln-app", "kiln-lib", "kiln test");
        add_package("kiln-forged", "", "kiln other");
        add_package("kiln-needs-forged", "kiln-forged", "kiln test");
        auto exported = gnupg->run({"--export", "--armor", "kiln test"});
        std::ofstream(key) << exported;
        expect_ok(run_command({"createrepo_c", "-q", repository.string()}));
    }

    static void TearDownTestSuite() {
        delete gnupg;  // before its folder
        delete scratch;
    }

    static void expect_ok(const kiln_test::CommandResult& r) {
        ASSERT_EQ(r.exit_code, 0) << r.command << ": " << r.ending() << "\n" << r.out << r.err;
    }
    static void add_package(const std::string& name, const std::string& dependency,
                            const std::string& signer) {
        fs::path top = scratch->path / "rpmbuild";
        std::vector<std::string> build = {
            "rpmbuild", "-bb", "--define", "_topdir " + top.string(), "--define", "pkg " + name};
        if (!dependency.empty()) build.insert(build.end(), {"--define", "requires " + dependency});
        build.push_back((scratch->path / "package.spec").string());
        expect_ok(run_command(build, gnupg->options()));
        fs::path rpm = repository / (name + "-1.0-1.noarch.rpm");
        fs::copy_file(top / "RPMS/noarch" / rpm.filename(), rpm);
        // Debian's rpm calls gpg2 by default, which Debian does not have.
        expect_ok(run_command(
            {"rpmsign", "--addsign", "--define", "_gpg_name " + signer, "--define",
             "__gpg /usr/bin/gpg", "--define", "_gpg_path " + gnupg->home().string(), rpm.string()},
            gnupg->options()));
    }

    // The profile of a dnf bootstrap from the repository, checked with its key, that includes
    // `package` (line 10, column 9) and declares the repository for the image (line 12).
    static std::string profile_text(const std::string& package) {
        return "version: 1\n"
               "base:\n"
               "  bootstrap:\n"
               "    tool: dnf\n"
               "    release: \"9\"\n"
               "    mirror: file://" +
               repository.string() +
               "/\n"
               "    gpgkey: file://" +
               key.string() +
               "\n"  // line 7, column 13
               "    arch: x86_64\n"
               "    packages:\n"
               "      - " +
               package +
               "\n"
               "repositories:\n"
               "  - name: kiln-extra\n"
               "    baseurl: file://" +
               repository.string() + "/\n    gpgkey: file://" + key.string() + "\n";
    }
};

// One bootstrap of a profile through the executor, in a folder of its own.
struct Bootstrap {
    fs::path folder, profile, tree;
    std::ostringstream log;
    BuildOptions options;
    Progress progress{log, false, 20};
    Context ctx;
    Executor executor{ctx};
    plan::Plan plan;

    Bootstrap(const fs::path& f, const std::string& text)
        : folder(f),
          profile(f / "el.yml"),
          tree(f / "tree"),
          ctx(options, progress, f / "work", profile::PackageManager::dnf) {
        fs::create_directories(ctx.work);
        std::ofstream(profile) << text;
        SourceFiles sources;
        Report report;
        auto p = profile::load(profile.string(), {}, sources, report);
        if (!p) throw std::runtime_error(report.format(&sources));
        plan = plan::make_plan(*p, {});
        ctx.tree = tree;
        executor.package_cache = f / "package-cache";
    }
    NumberedOperations operations(plan::Stage stage, const std::string& name = "") const {
        NumberedOperations out;
        for (std::size_t i = 0; i < plan.operations.size(); ++i)
            if (plan.operations[i].stage == stage &&
                (name.empty() || plan.operations[i].name() == name))
                out.emplace_back(i + 1, &plan.operations[i]);
        return out;
    }
    // The error the bootstrap stops with; one that succeeds fails the test.
    std::pair<std::string, ExitCode> refusal() {
        try {
            executor.run(operations(plan::Stage::base));
        } catch (const Error& e) {
            return {e.what(), e.code()};
        }
        ADD_FAILURE() << "dnf installed a package the profile's key did not sign";
        return {};
    }
    // What the root's own rpm would say: its database is at /var/lib/rpm.
    kiln_test::CommandResult rpm_query(const std::vector<std::string>& packages) const {
        std::vector<std::string> argv = {"rpm",      "--root",       tree.string(),
                                         "--dbpath", "/var/lib/rpm", "-q"};
        argv.insert(argv.end(), packages.begin(), packages.end());
        return run_command(argv);
    }
};

TEST_F(SignedRepository, SignedPackagesLandInTheRootAndTheRepositoriesAreWrittenAsDeclared) {
    Bootstrap b(scratch->path / "signed", profile_text("kiln-app"));
    b.executor.run(b.operations(plan::Stage::base));

    EXPECT_NE(read_text(b.ctx.work / "bootstrap-repos/kiln-bootstrap.repo")
                  .find("\nbaseurl=file://" + repository.string() +
                        "/\nenabled=1\ngpgcheck=1\ngpgkey=file://" + key.string() + "\n"),
              std::string::npos);
    auto installed = b.rpm_query({"basesystem", "systemd", "kernel", "grub2-pc",
                                  "dracut-config-generic", "kiln-app", "kiln-lib"});
    EXPECT_EQ(installed.exit_code, 0) << installed.out;
    EXPECT_EQ(b.rpm_query({"gpg-pubkey"}).exit_code, 0) << "dnf imported the profile's key";
    EXPECT_EQ(read_text(b.tree / "usr/share/kiln-test/kiln-app"), "kiln-app\n");
    // dnf caches under the root; the build's cache gets it back and the image keeps none.
    EXPECT_FALSE(fs::is_empty(b.executor.package_cache));
    EXPECT_FALSE(fs::exists(b.tree / "var/cache/kiln-bootstrap"));
    EXPECT_FALSE(fs::exists(b.tree / b.executor.package_cache.relative_path()));

    NativeRoot root(b.tree);
    b.ctx.root = &root;
    b.executor.run(b.operations(plan::Stage::packages, "add-repository"));
    EXPECT_NE(read_text(b.tree / "etc/yum.repos.d/kiln-kiln-extra.repo")
                  .find("[kiln-extra]\nname=kiln-extra\nbaseurl=file://" + repository.string() +
                        "/\nenabled=1\ngpgcheck=1\ngpgkey=file://" + key.string() + "\n"),
              std::string::npos);
}

// Beside it, the same repository with a package the key did not sign: refused, at the profile
// line that named it, with what dnf said, and nothing installed.
TEST_F(SignedRepository, APackageSignedWithAnotherKeyIsRefusedAtItsProfileLine) {
    Bootstrap b(scratch->path / "forged", profile_text("kiln-forged"));
    auto [message, code] = b.refusal();
    EXPECT_TRUE(message.starts_with(b.profile.string() +
                                    ":10:9: package 'kiln-forged' failed its signature check "
                                    "against file://" +
                                    key.string() + ": exit 1:"))
        << message;
    EXPECT_NE(message.find("Failing package is: kiln-forged-1.0-1.noarch"), std::string::npos)
        << message;
    EXPECT_EQ(code, ExitCode::failed);
    EXPECT_NE(b.rpm_query({"kiln-forged"}).exit_code, 0);
}

// A dependency the profile does not name is located at the key the mirror is checked with.
TEST_F(SignedRepository, ADependencySignedWithAnotherKeyIsRefusedAtTheBootstrapsKey) {
    Bootstrap b(scratch->path / "forged-dependency", profile_text("kiln-needs-forged"));
    auto [message, code] = b.refusal();
    EXPECT_TRUE(message.starts_with(b.profile.string() +
                                    ":7:13: package 'kiln-forged' failed its signature check"))
        << message;
    EXPECT_NE(b.rpm_query({"kiln-needs-forged"}).exit_code, 0);
}

}  // namespace
