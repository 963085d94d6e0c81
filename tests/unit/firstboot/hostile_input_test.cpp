// kiln-firstboot fed hostile input, run as the unit runs it (tests/support/command.hpp: a crash or
// a hang fails the test): a root that is "/" by another spelling, a root whose own content points
// out of it, secrets where diagnostics would quote them, FIFOs and devices where files belong,
// and bytes that are not UTF-8. Each is refused at once, naming the place, with nothing written
// where it must not be.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "command.hpp"
#include "kiln/unique_fd.hpp"
#include "test_support.hpp"

using namespace kiln::firstboot::test;
using kiln::UniqueFd;

namespace {

// Every input here is refused in milliseconds; a run that takes this long hangs.
constexpr auto kTimeout = std::chrono::seconds(10);

const std::string kBinary = KILN_BINARY_DIR "/firstboot/kiln-firstboot";

kiln_test::CommandResult firstboot(const std::vector<std::string>& args,
                                   const std::vector<std::string>& environment = {},
                                   kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
    std::vector<std::string> argv = {kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    kiln_test::CommandOptions options;
    options.merge_stderr = false;
    options.timeout = kTimeout;
    options.environment = environment;
    return kiln_test::run_command(argv, options, where);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    ::lstat(path.c_str(), &st);
    return st.st_mode & 07777;
}

// A Unix socket bound at `path`: SOCK_STREAM listening (a stand-in system bus) or SOCK_DGRAM
// (a stand-in NOTIFY_SOCKET).
UniqueFd bound_socket(const fs::path& path, int type) {
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        return UniqueFd();
    if (type == SOCK_STREAM && ::listen(fd.get(), 8) != 0) return UniqueFd();
    return fd;
}

class HostileInput : public ::testing::Test {
protected:
    HostileInput() {
        root = dir / "root";
        make_image_root(root);
        write_file(dir / "meta.yml", document(good_values()));
    }

    // A render-only run of `root` with the good metadata and `extra` arguments.
    kiln_test::CommandResult render_only(
        const std::vector<std::string>& extra = {},
        kiln_test::SourceLocation where = kiln_test::SourceLocation::current()) {
        std::vector<std::string> args = {"--render-only", "--root", root.string(), "--no-check"};
        if (std::find(extra.begin(), extra.end(), "--metadata") == extra.end())
            args.insert(args.end(), {"--metadata", (dir / "meta.yml").string()});
        args.insert(args.end(), extra.begin(), extra.end());
        return firstboot(args, {}, where);
    }

    TempDir dir;
    fs::path root;
};

}  // namespace

// Issue 13, item 1: "/." and "/tmp/.." are "/" too; so is a symlink to it. --render-only refuses
// them all before reading anything (the metadata here would not even validate).
TEST_F(HostileInput, RenderOnlyRefusesEverySpellingOfTheSystemRoot) {
    write_file(dir / "empty.yml", "{}\n");
    fs::create_symlink("/", dir / "slash");
    for (const std::string& spelling :
         std::vector<std::string>{"/.", "/tmp/..", "//", (dir / "slash").string()}) {
        auto r = firstboot({"--render-only", "--root", spelling, "--metadata",
                            (dir / "empty.yml").string(), "--no-check"});
        EXPECT_EQ(r.exit_code, 2) << spelling << ": " << r.ending() << "\n" << r.err;
        EXPECT_TRUE(contains(r.err, "--render-only needs --root DIR, a folder other than"))
            << r.err;
    }
    auto missing = firstboot({"--render-only", "--root", (dir / "none").string()});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_TRUE(contains(missing.err, "cannot use --root " + (dir / "none").string()))
        << missing.err;
}

// Item 2: configuring another root would rename this host over hostname1 and start units on its
// system bus. Without --bus it is refused before anything is read or written, and the system bus
// (DBUS_SYSTEM_BUS_ADDRESS, a socket here) never sees a connection.
TEST_F(HostileInput, AnotherRootNeverTouchesTheSystemBusUnlessBusNamesOne) {
    UniqueFd system_bus = bound_socket(dir / "system_bus", SOCK_STREAM);
    ASSERT_TRUE(system_bus);
    auto before = snapshot(root);
    auto r = firstboot(
        {"--root", root.string(), "--metadata", (dir / "meta.yml").string(), "--no-check"},
        {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + (dir / "system_bus").string()});
    EXPECT_EQ(r.exit_code, 2) << r.ending() << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, "give --bus ADDRESS (that system's bus) or --render-only"))
        << r.err;
    UniqueFd connection(::accept4(system_bus.get(), nullptr, nullptr, SOCK_CLOEXEC));
    EXPECT_FALSE(connection) << "kiln-firstboot connected to this machine's system bus";
    EXPECT_EQ(snapshot(root), before);
}

// Item 3: the root's own /etc is a symlink to a folder of this machine. Read and written inside
// the root, it is a path there (missing): the host's folder is never read nor written.
TEST_F(HostileInput, AnEtcSymlinkedOutOfTheRootIsNeverFollowedOut) {
    fs::rename(root / "etc", dir / "host-etc");
    fs::create_symlink(dir / "host-etc", root / "etc");
    auto before = snapshot(dir / "host-etc");
    auto r = render_only();
    EXPECT_TRUE(r.exited()) << r.ending();
    EXPECT_EQ(snapshot(dir / "host-etc"), before) << r.err;
}

// Item 3: a home reached through a relative symlink that climbs above the root (/home ->
// ../../escape) is /escape inside the root, not a sibling of it; so is a passwd home of
// "/../escape" (which the passwd reader already normalises).
TEST_F(HostileInput, APasswdHomeStaysInTheRoot) {
    fs::create_directories(dir / "escape");  // beside the root: must stay empty
    fs::create_directories(root / "escape");
    fs::create_symlink("../../escape", root / "home");
    auto r = render_only();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_empty(dir / "escape")) << "written beside the root";
    EXPECT_TRUE(fs::exists(root / "escape/kiln/.ssh/authorized_keys"));

    write_file(root / "etc/passwd",
               "root:x:0:0:root:/root:/bin/bash\npostgres:x:107:114::/var/lib/postgresql:/bin/sh\n"
               "kiln:x:1000:1000:kiln admin:/../escape:/bin/bash\n");
    r = render_only();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_empty(dir / "escape")) << "written beside the root";
    EXPECT_TRUE(fs::exists(root / "escape/.ssh/authorized_keys"));
}

// Item 3: ~/.ssh is a symlink (to a folder of this machine, or to root's inside the image): it is
// never chmod'ed nor written through; the commit fails naming it and writes nothing at all.
TEST_F(HostileInput, ASshFolderThatIsASymlinkIsNeverChmodedOrWrittenThrough) {
    fs::create_directories(dir / "host-ssh");
    fs::permissions(dir / "host-ssh", fs::perms(0755));
    fs::create_directories(root / "root/.ssh");
    fs::permissions(root / "root/.ssh", fs::perms(0755));
    fs::create_directories(root / "home/kiln");
    for (std::string target : {(dir / "host-ssh").string(), std::string("../../root/.ssh")}) {
        fs::remove(root / "home/kiln/.ssh");
        fs::create_symlink(target, root / "home/kiln/.ssh");
        auto before = snapshot(root);
        auto r = render_only();
        EXPECT_EQ(r.exit_code, 3) << target << ": " << r.ending();
        EXPECT_TRUE(contains(r.err, "/home/kiln/.ssh is a symbolic link")) << r.err;
        EXPECT_EQ(snapshot(root), before) << "nothing half-written";
        EXPECT_EQ(mode_of(dir / "host-ssh"), 0755u);
        EXPECT_EQ(mode_of(root / "root/.ssh"), 0755u);
        EXPECT_TRUE(fs::is_empty(dir / "host-ssh"));
        EXPECT_TRUE(fs::is_empty(root / "root/.ssh"));
    }
}

// Item 3: status.json goes under the root's /run; a /run that is a symlink out of the root is a
// path inside it (missing: the status cannot be written, and that is said).
TEST_F(HostileInput, TheStatusFileStaysInTheRoot) {
    fs::create_directories(dir / "host-run");
    fs::create_symlink(dir / "host-run", root / "run");
    write_file(dir / "empty.yml", "{}\n");
    auto r = firstboot({"--root", root.string(), "--metadata", (dir / "empty.yml").string(),
                        "--bus", "unix:path=" + (dir / "no-bus").string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(fs::is_empty(dir / "host-run")) << "status.json written out of the root";
    EXPECT_TRUE(contains(r.err, "cannot write the status file")) << r.err;
}

// Item 11: FIFOs and devices where kiln-firstboot reads a file: refused at once (never blocking
// on a FIFO, never reading a device), naming the file, with nothing written.
TEST_F(HostileInput, FifosAndDevicesAreRefusedWhereFilesBelong) {
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    auto before = snapshot(root);
    for (std::string file : {(dir / "fifo").string(), std::string("/dev/zero")}) {
        for (std::string option : {"--metadata", "--ovf-env"}) {
            auto r = render_only({option, file});
            EXPECT_EQ(r.exit_code, 1) << option << " " << file << ": " << r.ending();
            EXPECT_TRUE(contains(r.err, file + ": error: " + file + " is a")) << r.err;
            EXPECT_TRUE(contains(r.err, "not a regular file")) << r.err;
            EXPECT_LT(r.seconds, 2.0);
        }
    }
    EXPECT_EQ(snapshot(root), before);
}

TEST_F(HostileInput, AFifoInTheRootIsRefusedWhereAFileBelongs) {
    fs::remove(root / "etc/kiln/image.yml");
    ASSERT_EQ(::mkfifo((root / "etc/kiln/image.yml").c_str(), 0600), 0);
    auto fw_cfg = root / "sys/firmware/qemu_fw_cfg/by_name/opt/kiln/priority";
    fs::create_directories(fw_cfg);
    ASSERT_EQ(::mkfifo((fw_cfg / "raw").c_str(), 0600), 0);
    auto before = snapshot(root);
    auto r = render_only();
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(
        contains(r.err, "/etc/kiln/image.yml: error: " + (root / "etc/kiln/image.yml").string() +
                            " is a FIFO, not a regular file"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "fw_cfg opt/kiln/priority: error: " + (fw_cfg / "raw").string() +
                                    " is a FIFO, not a regular file"))
        << r.err;
    EXPECT_EQ(snapshot(root), before);
}

// image.yml as a symlink to a FIFO of this machine: inside the root, that path does not exist.
TEST_F(HostileInput, AnImageConfigSymlinkToAHostFifoIsNotFollowedOut) {
    ASSERT_EQ(::mkfifo((dir / "host-fifo").c_str(), 0600), 0);
    fs::remove(root / "etc/kiln/image.yml");
    fs::create_symlink(dir / "host-fifo", root / "etc/kiln/image.yml");
    auto r = render_only();
    EXPECT_TRUE(r.exited()) << r.ending();
    EXPECT_TRUE(contains(r.err, "no image configuration; using built-in defaults")) << r.err;
}

// A device node inside the root where image.yml belongs (mknod needs CAP_MKNOD).
TEST_F(HostileInput, ADeviceInTheRootIsNeverRead) {
    fs::remove(root / "etc/kiln/image.yml");
    if (::mknod((root / "etc/kiln/image.yml").c_str(), S_IFCHR | 0600, makedev(1, 5)) != 0)
        GTEST_SKIP() << "cannot make a device node here";
    auto r = render_only();
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(contains(r.err, "image.yml is a character device, not a regular file")) << r.err;
}

// Item 9: an alias to a mapping that contains it, in the image's own configuration.
TEST_F(HostileInput, AnAliasCycleInTheImageConfigIsAnErrorNotACrash) {
    write_file(root / "etc/kiln/image.yml", "version: 1\nloop: &r {self: *r}\n");
    auto r = render_only();
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(contains(r.err, "image.yml:2:"));
    EXPECT_TRUE(contains(r.err, "an alias refers to a list or mapping that contains it")) << r.err;
}

TEST_F(HostileInput, AnImageConfigLargerThanItsLimitIsRefusedNamingTheLimit) {
    write_file(root / "etc/kiln/image.yml", "version: 1\n" + std::string(2 << 20, '#') + "\n");
    auto r = render_only();
    EXPECT_EQ(r.exit_code, 1) << r.ending();
    EXPECT_TRUE(contains(r.err,
                         "image.yml is larger than 1048576 bytes (the limit for the image "
                         "configuration)"))
        << r.err;
}

// Item 16 (kiln-firstboot's half): a value that is not UTF-8 is refused naming its key and
// transport; nothing renders U+FFFD (or anything) into Patroni's config.
TEST_F(HostileInput, ValuesThatAreNotUtf8AreRefusedNamingKeyAndTransport) {
    std::string doc = document(good_values());
    const std::string bad = "pw-\xff\xfe-end";
    doc.replace(doc.find("pg-secret-1"), std::string("pg-secret-1").size(), bad);
    write_file(dir / "bad.yml", doc);
    auto before = snapshot(root);
    auto r = render_only({"--metadata", (dir / "bad.yml").string()});
    EXPECT_EQ(r.exit_code, 1) << r.ending() << "\n" << r.err;
    EXPECT_TRUE(
        contains(r.err, "bad.yml:10:26: error: not a YAML text file: the byte here is not UTF-8"))
        << r.err;
    EXPECT_FALSE(contains(r.err, bad)) << "the secret's bytes are not printed";
    EXPECT_EQ(snapshot(root), before) << "a Patroni config was written (with U+FFFD in it)";

    write_file(dir / "ovf-env.xml",
               "<?xml version=\"1.0\"?>\n<Environment xmlns:oe=\"http://schemas.dmtf.org/ovf/"
               "environment/1\">\n  <PropertySection>\n    <Property oe:key=\"kiln.zabbix_server\" "
               "oe:value=\"zabbix\xc3(.example\"/>\n  </PropertySection>\n</Environment>\n");
    r = render_only({"--ovf-env", (dir / "ovf-env.xml").string()});
    EXPECT_EQ(r.exit_code, 1) << r.ending() << "\n" << r.err;
    EXPECT_TRUE(contains(r.err,
                         "ovf-env.xml:4:5: error: 'zabbix_server' from OVF environment: value is "
                         "not valid UTF-8"))
        << r.err;
    EXPECT_EQ(snapshot(root), before);
}

namespace {

// A secret put where a diagnostic would quote it, and every form it takes in the source.
struct LeakCase {
    const char* name;
    std::string metadata;            // the --metadata document ("" for none)
    std::string ovf_env;             // the --ovf-env document ("" for none)
    std::vector<std::string> forms;  // none may appear in any output
};

void PrintTo(const LeakCase& c, std::ostream* os) {
    *os << c.name;
}

const std::string kSecret = "Zq8-Hunter2-Xy";

// Every character of `text` as `\u00XX` or `\xXX`.
std::string escaped(const std::string& text, const char* format) {
    std::string out;
    char buffer[8];
    for (unsigned char c : text) {
        std::snprintf(buffer, sizeof buffer, format, c);
        out += buffer;
    }
    return out;
}

// The good node's kiln: map as block YAML, without 'vip' (so that every case fails validation)
// nor `dropped`, and with `extra` lines.
std::string kiln_map(const std::string& extra, const std::string& dropped = "") {
    std::string out = "instance-id: i-1\nlocal-hostname: pg-1\nkiln:\n";
    for (const auto& [k, v] : good_values())
        if (k != "vip" && k != dropped) out += "  " + k + ": \"" + v + "\"\n";
    return out + extra;
}

std::string kiln_json(const std::string& extra) {
    std::string out = "{\"instance-id\": \"i-1\", \"local-hostname\": \"pg-1\", \"kiln\": {";
    for (const auto& [k, v] : good_values())
        if (k != "vip") out += "\"" + k + "\": \"" + v + "\", ";
    return out + extra + "}}\n";
}

std::vector<LeakCase> leak_cases() {
    const std::string u = escaped(kSecret, "\\u%04x"), x = escaped(kSecret, "\\x%02x");
    const std::string ovf_head =
        "<?xml version=\"1.0\"?>\n<Environment xmlns:oe=\"http://schemas.dmtf.org/ovf/"
        "environment/1\">\n  <PropertySection>\n";
    return {
        {"MisspelledKey", kiln_map("  postgres_pasword: \"" + kSecret + "\"\n"), "", {kSecret}},
        {"TopLevelSecret", kiln_map("") + "postgres_password: " + kSecret + "\n", "", {kSecret}},
        {"OneLineJson", kiln_json("\"rest_pasword\": \"" + kSecret + "\""), "", {kSecret}},
        {"UnicodeEscapesUnderAMisspelledKey",
         kiln_json("\"rest_pasword\": \"" + u + "\""),
         "",
         {kSecret, u, u.substr(0, 18)}},
        {"UnicodeEscapedSecretBesideAnError",
         "{\"kiln\": {\"postgres_password\": \"" + u + "\", \"prority\": \"1\"}}\n",
         "",
         {kSecret, u, u.substr(0, 18)}},
        {"HexEscapesOnAFlowLine",
         "kiln: {postgres_password: \"" + x + "\", prority: \"1\"}\n",
         "",
         {kSecret, x, x.substr(0, 12)}},
        {"FoldedOverLines",
         kiln_map("  vrrp_password: Zq8-Hunter2\n    -Xy-folded\n", "vrrp_password"),
         "",
         {"Zq8-Hunter2", "-Xy-folded"}},
        {"OvfPropertyMisspelled",
         "",
         ovf_head + "    <Property oe:key=\"kiln.vrrp_pasword\" oe:value=\"" + kSecret +
             "\"/>\n  </PropertySection>\n</Environment>\n",
         {kSecret}},
    };
}

class SecretsNeverPrinted : public ::testing::TestWithParam<LeakCase> {};

}  // namespace

// Item 5: wherever a secret sits, no diagnostic quotes it: not on stderr (the same text the
// journal gets: Log writes one or the other), not in systemd's STATUS=, not in status.json.
TEST_P(SecretsNeverPrinted, InAnyFormOnAnyChannel) {
    const LeakCase& c = GetParam();
    TempDir dir;
    fs::path root = dir / "root";
    make_image_root(root);
    std::vector<std::string> args = {"--root", root.string(), "--no-check", "--bus",
                                     "unix:path=" + (dir / "no-bus").string()};
    if (!c.metadata.empty()) {
        write_file(dir / "meta.yml", c.metadata);
        args.insert(args.end(), {"--metadata", (dir / "meta.yml").string()});
    }
    if (!c.ovf_env.empty()) {
        write_file(dir / "ovf-env.xml", c.ovf_env);
        write_file(dir / "meta.yml", kiln_map(""));
        args.insert(args.end(), {"--ovf-env", (dir / "ovf-env.xml").string(), "--metadata",
                                 (dir / "meta.yml").string()});
    }
    UniqueFd notify = bound_socket(dir / "notify", SOCK_DGRAM);
    ASSERT_TRUE(notify);
    auto r = firstboot(args, {"NOTIFY_SOCKET=" + (dir / "notify").string()});
    EXPECT_EQ(r.exit_code, 1) << r.ending() << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, "error:")) << "the problem is reported:\n" << r.err;

    std::string notified;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(notify.get(), buffer, sizeof buffer, MSG_DONTWAIT)) > 0;)
        notified.append(buffer, static_cast<std::size_t>(n)) += "\n";
    EXPECT_TRUE(contains(notified, "STATUS=failed")) << notified;
    ASSERT_TRUE(fs::exists(root / "run/kiln/status.json"));
    std::string status = read_file(root / "run/kiln/status.json");

    for (const auto& form : c.forms) {
        EXPECT_FALSE(contains(r.err, form)) << "stderr has '" << form << "':\n" << r.err;
        EXPECT_FALSE(contains(r.out, form)) << "stdout has '" << form << "'";
        EXPECT_FALSE(contains(notified, form)) << "STATUS= has '" << form << "':\n" << notified;
        EXPECT_FALSE(contains(status, form)) << "status.json has '" << form << "':\n" << status;
    }
}

INSTANTIATE_TEST_SUITE_P(Channels, SecretsNeverPrinted, ::testing::ValuesIn(leak_cases()),
                         [](const auto& info) { return std::string(info.param.name); });
