#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "harness.hpp"

// What an e2e cluster needs on the host before `kiln run`: an SSH key for the admin, the bundled
// inventory carrying that key (and the DCS the scenario asks for), fresh secrets in 0600 files,
// and the password files the host's psql reads.
namespace kiln_e2e {

inline const std::string kKiln = KILN_BINARY_DIR "/builder/kiln";
inline const std::string kInventory = KILN_SOURCE_DIR "/profiles/inventories/local-3.yml";
inline const std::string kAdmin = "kiln";  // firstboot.admin_user of includes/patroni-cluster.yml

inline std::string random_secret(std::size_t length) {
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string s;
    while (s.size() < length) s += alphabet[pick(device)];
    return s;
}

inline void write_private(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

struct ClusterFiles {
    std::filesystem::path dir;
    std::filesystem::path key = dir / "id";
    std::filesystem::path inventory = dir / "cluster.yml";
    std::filesystem::path secrets_file = dir / "secrets.yml";
    std::filesystem::path secret_list = dir / "secret-values";  // one per line, grep -F patterns
    std::filesystem::path postgres_password = dir / "postgres.password";
    std::filesystem::path pgpass = dir / "pgpass";
    std::map<std::string, std::string> secrets = {};

    // Writes every file; `dcs` replaces the inventory's, `extra_secrets` join the four every
    // cluster has. Returns an empty string, or what went wrong.
    std::string write(const std::string& dcs = "etcd",
                      const std::map<std::string, std::string>& extra_secrets = {}) {
        auto keygen = kiln_test::run_command(
            {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-e2e", "-f", key.string()});
        if (keygen.exit_code != 0) return "ssh-keygen: " + keygen.out;

        std::string text = kiln_test::read_text(kInventory);
        std::string public_key = kiln_test::read_text(key.string() + ".pub");
        public_key.erase(public_key.find_last_not_of('\n') + 1);
        auto at = text.find("  - ssh-ed25519 ");
        if (at == std::string::npos) return kInventory + " has no example ssh-ed25519 key";
        text.replace(at + 4, text.find('\n', at) - at - 4, public_key);
        auto dcs_line = text.find("\ndcs: ");
        if (dcs_line == std::string::npos) return kInventory + " has no top-level dcs";
        dcs_line += 6;
        text.replace(dcs_line, text.find('\n', dcs_line) - dcs_line, dcs);
        std::ofstream(inventory) << text;

        secrets = {{"postgres_password", random_secret(24)},
                   {"replication_password", random_secret(24)},
                   {"rest_password", random_secret(24)},
                   {"vrrp_password", random_secret(8)}};  // VRRP PASS auth: 8 at most
        secrets.insert(extra_secrets.begin(), extra_secrets.end());
        std::string yaml, values;
        for (const auto& [k, v] : secrets) {
            yaml += k + ": " + v + "\n";
            values += v + "\n";
        }
        write_private(secrets_file, yaml);
        write_private(secret_list, values);
        write_private(postgres_password, secrets["postgres_password"] + "\n");
        write_private(pgpass, "*:*:*:postgres:" + secrets["postgres_password"] + "\n");
        return "";
    }
};

}  // namespace kiln_e2e
