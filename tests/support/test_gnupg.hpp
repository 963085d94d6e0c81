#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "command.hpp"

// A GnuPG home of a test's own, for signing the package repositories a test makes: keys without
// a passphrase, every gpg run checked. The agent gpg starts for it is stopped with it; the folder
// goes with the test's scratch folder.
namespace kiln_test {

class TestGnupg {
public:
    explicit TestGnupg(std::filesystem::path home) : home_(std::move(home)) {
        std::filesystem::create_directories(home_);
        std::filesystem::permissions(home_, std::filesystem::perms::owner_all);
    }
    ~TestGnupg() { run_command({"gpgconf", "--kill", "gpg-agent"}, options()); }
    TestGnupg(const TestGnupg&) = delete;
    TestGnupg& operator=(const TestGnupg&) = delete;

    const std::filesystem::path& home() const { return home_; }

    // GNUPGHOME for this home, stderr apart from the output: for gpg and the tools that call it.
    CommandOptions options() const {
        CommandOptions o;
        o.environment = {"GNUPGHOME=" + home_.string()};
        o.merge_stderr = false;
        return o;
    }

    // gpg --batch with `args`; a failure fails the calling test. Returns gpg's output.
    std::string run(std::vector<std::string> args) const {
        args.insert(args.begin(), {"gpg", "--batch", "--passphrase", ""});
        CommandResult r = run_command(args, options());
        EXPECT_EQ(r.exit_code, 0) << r.command << ": " << r.ending() << "\n" << r.out << r.err;
        return r.out;
    }

    // A signing key for `user` ("name <mail>" or a name), RSA 2048, without expiry.
    void make_key(const std::string& user) const {
        run({"--quick-gen-key", user, "rsa2048", "sign", "never"});
    }

private:
    std::filesystem::path home_;
};

}  // namespace kiln_test
