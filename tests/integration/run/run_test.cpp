// `kiln run` plumbing for real: QEMU clones (TCG) of a scratch image on a private network in a
// namespace, metadata over fw_cfg, the loopback relay, and --down. The guests boot nothing
// here (the scratch disk is blank); the cluster itself is the e2e test's business.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "command.hpp"
#include "kiln/sha256.hpp"

namespace fs = std::filesystem;
using kiln_test::CommandResult;
using kiln_test::run_command;

namespace {

const std::string kKiln = KILN_BINARY_DIR "/builder/kiln";
const std::string kInventory = KILN_SOURCE_DIR "/profiles/inventories/local-3.yml";
const std::string kSecret = "pg-secret-Zq81";

// kiln of this build with these arguments.
CommandResult kiln(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kKiln};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
}

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// One TCP exchange through the relay with a server bound inside the namespace.
std::string relay_round_trip(int port, const std::string& payload) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return "connect failed";
    for (std::size_t sent = 0; sent < payload.size();) {
        ssize_t n = ::send(fd, payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        reply.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    return reply;
}

class KilnRun : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("kiln-run-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        ASSERT_EQ(run_command({"qemu-img", "create", "-q", "-f", "qcow2",
                               (dir_ / "image.qcow2").string(), "64M"})
                      .exit_code,
                  0);
        std::ofstream(dir_ / "secrets.yml")
            << "postgres_password: " << kSecret
            << "\nreplication_password: repl-Zq81\nrest_password: rest-Zq81\n"
               "vrrp_password: vrrpZq81\n";
        fs::permissions(dir_ / "secrets.yml", fs::perms::owner_read | fs::perms::owner_write);
    }
    void TearDown() override {
        kiln({"run", "--down", "--state-dir", (dir_ / "state").string()});
        fs::remove_all(dir_);
    }
    fs::path dir_;
};

TEST_F(KilnRun, BootsClonesOnAPrivateNetworkAndCleansUp) {
    fs::path image = dir_ / "image.qcow2";
    std::string image_digest = kiln::sha256_file_hex(image);
    fs::path state_dir = dir_ / "state";
    auto up = kiln({"run", image.string(), "--inventory", kInventory, "--secrets",
                    (dir_ / "secrets.yml").string(), "--state-dir", state_dir.string(), "--accel",
                    "tcg", "--memory", "512", "--cpus", "1", "--json"});
    ASSERT_EQ(up.exit_code, 0) << up.out;
    auto state = nlohmann::json::parse(up.out);
    ASSERT_EQ(state["nodes"].size(), 3u);
    EXPECT_EQ(state["netns"], "kiln-pg-ha");
    // The cluster CA kiln run made, in its state folder, its key private.
    const fs::path pki_dir = state["pki_dir"].get<std::string>();
    EXPECT_EQ(pki_dir, state_dir / "pg-ha.pki");
    struct stat ca_key {};
    ASSERT_EQ(::stat((pki_dir / "ca.key").c_str(), &ca_key), 0);
    EXPECT_EQ(ca_key.st_mode & 0777, 0600u);

    // A second `up` of the same cluster is refused, not doubled.
    auto again = kiln({"run", image.string(), "--inventory", kInventory, "--secrets",
                       (dir_ / "secrets.yml").string(), "--state-dir", state_dir.string()});
    EXPECT_EQ(again.exit_code, 2) << again.out;
    EXPECT_NE(again.out.find("already running"), std::string::npos);

    for (const auto& node : state["nodes"]) {
        int pid = node["pid"];
        ASSERT_EQ(::kill(pid, 0), 0) << node["name"] << " is not running";
        std::string cmdline = read("/proc/" + std::to_string(pid) + "/cmdline");
        std::string name = node["name"];
        EXPECT_NE(cmdline.find("name=opt/kiln/metadata"), std::string::npos);
        EXPECT_NE(cmdline.find(name + ".qcow2"), std::string::npos);
        EXPECT_EQ(cmdline.find(kSecret), std::string::npos) << "a secret reached QEMU's argv";
        fs::path metadata = state_dir / (name + ".metadata.yml");
        std::string doc = read(metadata);
        EXPECT_NE(doc.find("local-hostname: " + name), std::string::npos) << doc;
        EXPECT_NE(doc.find(kSecret), std::string::npos);
        EXPECT_NE(doc.find("tls_key: \"-----BEGIN PRIVATE KEY-----"), std::string::npos) << doc;
        struct stat st {};
        ASSERT_EQ(::stat(metadata.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        // The clone is an overlay on the image, which is never written.
        auto info = run_command(
            {"qemu-img", "info", "-U", "--output=json", (state_dir / (name + ".qcow2")).string()});
        EXPECT_EQ(nlohmann::json::parse(info.out)["backing-filename"], image.string());
    }
    auto bridge = run_command({"ip", "-n", "kiln-pg-ha", "-o", "link", "show", "master", "br0"});
    for (auto tap : {"tap-pg1", "tap-pg2", "tap-pg3"})
        EXPECT_NE(bridge.out.find(tap), std::string::npos) << bridge.out;

    // The VIP's :5000 is reachable from loopback, through the relay, and nowhere else.
    ASSERT_EQ(run_command({"ip", "-n", "kiln-pg-ha", "addr", "add", "10.77.0.100/24", "dev", "br0"})
                  .exit_code,
              0);
    std::thread server([] {
        run_command(
            {"ip", "netns", "exec", "kiln-pg-ha", "python3", "-c",
             "import socket\n"
             "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
             "s.bind(('10.77.0.100', 5000)); s.listen(1); s.settimeout(30); c,_=s.accept(); d=b''\n"
             "while True:\n  x=c.recv(65536)\n  if not x: break\n  d+=x\n"
             "c.sendall(b'%d' % len(d)); c.close()"});
    });
    std::string reply;
    int port = state["primary_port"].get<int>();
    try {
        for (int attempt = 0; attempt < 50 && reply != "1048576"; ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            reply = relay_round_trip(port, std::string(1 << 20, 'k'));
        }
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
    server.join();
    EXPECT_EQ(reply, "1048576");

    // --kill pulls one node's plug; --start boots the same clone again with the same metadata.
    int pg2_pid = state["nodes"][1]["pid"];
    auto kill = kiln({"run", "--kill", "pg2", "--state-dir", state_dir.string()});
    EXPECT_EQ(kill.exit_code, 0) << kill.out;
    EXPECT_NE(::kill(pg2_pid, 0), 0) << "pg2's QEMU survived --kill";
    EXPECT_EQ(::kill(state["nodes"][0]["pid"].get<int>(), 0), 0) << "--kill pg2 hit pg1";
    auto unknown = kiln({"run", "--kill", "pg9", "--state-dir", state_dir.string()});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.out.find("no node 'pg9' (nodes: pg1, pg2, pg3)"), std::string::npos)
        << unknown.out;
    auto start = kiln({"run", "--start", "pg2", "--json", "--state-dir", state_dir.string()});
    ASSERT_EQ(start.exit_code, 0) << start.out;
    int restarted = nlohmann::json::parse(start.out)["pid"];
    EXPECT_EQ(::kill(restarted, 0), 0);
    EXPECT_NE(read("/proc/" + std::to_string(restarted) + "/cmdline").find("pg2.qcow2"),
              std::string::npos);
    auto twice = kiln({"run", "--start", "pg2", "--state-dir", state_dir.string()});
    EXPECT_EQ(twice.exit_code, 2);
    EXPECT_NE(twice.out.find("is running"), std::string::npos) << twice.out;
    state["nodes"][1]["pid"] = restarted;

    auto down = kiln({"run", "--down", "--state-dir", state_dir.string()});
    EXPECT_EQ(down.exit_code, 0) << down.out;
    for (const auto& node : state["nodes"]) EXPECT_NE(::kill(node["pid"].get<int>(), 0), 0);
    EXPECT_NE(::kill(state["relay_pid"].get<int>(), 0), 0);
    EXPECT_EQ(run_command({"ip", "netns", "list"}).out.find("kiln-pg-ha"), std::string::npos);
    EXPECT_FALSE(fs::exists(state_dir));
    EXPECT_EQ(kiln::sha256_file_hex(image), image_digest);
}

// --hardware vmware: QEMU accepts the OVA's models (PVSCSI with both disks, VMXNET3 on the tap),
// the state records the choice, and a node started again keeps it.
TEST_F(KilnRun, VmwareHardwareSurvivesARestart) {
    fs::path state_dir = dir_ / "state";
    auto up = kiln({"run", (dir_ / "image.qcow2").string(), "--inventory", kInventory, "--secrets",
                    (dir_ / "secrets.yml").string(), "--state-dir", state_dir.string(), "--accel",
                    "tcg", "--memory", "512", "--cpus", "1", "--hardware", "vmware", "--json"});
    ASSERT_EQ(up.exit_code, 0) << up.out;
    auto state = nlohmann::json::parse(up.out);
    EXPECT_EQ(state["hardware"], "vmware");
    auto expect_vmware = [](int pid) {
        std::string cmdline = read("/proc/" + std::to_string(pid) + "/cmdline");
        EXPECT_NE(cmdline.find("pvscsi,id=scsi0"), std::string::npos) << cmdline;
        EXPECT_NE(cmdline.find("vmxnet3,netdev=n0"), std::string::npos) << cmdline;
        EXPECT_EQ(cmdline.find("virtio"), std::string::npos) << cmdline;
    };
    for (const auto& node : state["nodes"]) {
        ASSERT_EQ(::kill(node["pid"].get<int>(), 0), 0) << node["name"] << " is not running";
        expect_vmware(node["pid"]);
    }
    ASSERT_EQ(kiln({"run", "--kill", "pg2", "--state-dir", state_dir.string()}).exit_code, 0);
    auto start = kiln({"run", "--start", "pg2", "--json", "--state-dir", state_dir.string()});
    ASSERT_EQ(start.exit_code, 0) << start.out;
    expect_vmware(nlohmann::json::parse(start.out)["pid"]);
}

TEST_F(KilnRun, BadInputStartsNothing) {
    auto missing =
        kiln({"run", (dir_ / "absent.qcow2").string(), "--inventory", kInventory, "--secrets",
              (dir_ / "secrets.yml").string(), "--state-dir", (dir_ / "state").string()});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.out.find("image not found"), std::string::npos) << missing.out;
    EXPECT_FALSE(fs::exists(dir_ / "state"));
    EXPECT_EQ(run_command({"ip", "netns", "list"}).out.find("kiln-pg-ha"), std::string::npos);
    EXPECT_EQ(kiln({"run", "--down", "--state-dir", (dir_ / "nothing").string()}).exit_code, 2);
}

}  // namespace
