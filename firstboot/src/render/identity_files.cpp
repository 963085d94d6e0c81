#include <fmt/format.h>

#include "render/render.hpp"
#include "render/text_edit.hpp"

namespace kiln::firstboot {

// /etc/hostname, /etc/hosts (peers), the time zone and the admin user's authorized_keys.
void render_identity_files(const RenderContext& c, Rendering& out, Report& report) {
    const NodeConfig& n = c.node;
    out.files.push_back({"/etc/hostname", n.hostname + "\n"});

    std::string hosts = existing_file(c, "/etc/hosts");
    if (hosts.empty())
        hosts = "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n";
    // The template's own name (Debian's 127.0.1.1 line) must not outlive it.
    std::string kept;
    for (std::size_t start = 0; start < hosts.size();) {
        auto end = hosts.find('\n', start);
        if (end == std::string::npos) end = hosts.size();
        std::string_view line(hosts.data() + start, end - start);
        if (!line.starts_with("127.0.1.1")) (kept += line) += '\n';
        start = end + 1;
    }
    std::string block;
    for (const auto& p : n.peers) {
        block += p.address + "\t";
        if (p.name == n.self.name && n.hostname != n.short_name) block += n.hostname + " ";
        block += p.name + "\n";
    }
    out.files.push_back({"/etc/hosts", replace_block(kept, block)});

    if (n.timezone) {
        out.files.push_back({"/etc/timezone", *n.timezone + "\n"});
        RenderedFile link{"/etc/localtime", ""};
        link.symlink = "/usr/share/zoneinfo/" + *n.timezone;
        out.files.push_back(std::move(link));
    }

    if (!n.ssh_keys.empty()) {
        const std::string& admin = n.image.admin_user;
        auto account = c.accounts.user(admin);
        std::filesystem::path home =
            account && !account->home.empty() ? account->home : "/home/" + admin;
        if (!account)
            report.warning(Location{"/etc/passwd"}, "admin user '" + admin +
                                                        "' is not in /etc/passwd; "
                                                        "authorized_keys goes to " +
                                                        home.string());
        const std::string group;  // the admin user's primary group, resolved at commit
        RenderedDir ssh{home / ".ssh", 0700, admin, group};
        out.dirs.push_back(ssh);
        std::string keys = "# Written by kiln-firstboot from ssh_authorized_keys.\n";
        for (const auto& key : n.ssh_keys) keys += key + "\n";
        RenderedFile file{home / ".ssh/authorized_keys", keys, 0600, admin, group};
        out.files.push_back(std::move(file));
    }
}

// chrony servers and the Zabbix agent's Server=.
void render_time_and_monitoring(const RenderContext& c, Rendering& out) {
    const NodeConfig& n = c.node;
    if (!n.ntp_servers.empty()) {
        if (n.image.os_family == image::OsFamily::debian) {
            std::string text = "# Written by kiln-firstboot from ntp_servers.\n";
            for (const auto& s : n.ntp_servers) text += "server " + s + " iburst\n";
            out.files.push_back({"/etc/chrony/sources.d/kiln.sources", text});
        } else {
            std::vector<std::string> lines;
            for (const auto& s : n.ntp_servers) lines.push_back("server " + s + " iburst");
            out.files.push_back(
                {"/etc/chrony.conf", replace_settings(existing_file(c, "/etc/chrony.conf"),
                                                      {"server", "pool"}, lines)});
        }
    }
    if (!n.zabbix_servers.empty()) {
        const std::string servers = fmt::to_string(fmt::join(n.zabbix_servers, ","));
        const std::filesystem::path conf = "/etc/zabbix/zabbix_agentd.conf";
        std::vector<std::string> lines = {"Server=" + servers, "ServerActive=" + servers,
                                          "Hostname=" + n.hostname};
        std::string original = existing_file(c, conf);
        if (original.empty())
            out.files.push_back({"/etc/zabbix/zabbix_agentd.d/60-kiln-server.conf",
                                 replace_settings("", {}, lines)});
        else
            out.files.push_back(
                {conf, replace_settings(original, {"Server", "ServerActive", "Hostname"}, lines)});
    }
}

}  // namespace kiln::firstboot
