#include "bake/steps/settings.hpp"

#include <fmt/format.h>

#include <sstream>

#include "kiln/join.hpp"

namespace kiln::bake {

std::string set_key_value_lines(const std::string& text, const std::string& key,
                                const std::string& value) {
    std::istringstream in(text);
    std::string line, out;
    bool done = false;
    while (std::getline(in, line)) {
        std::string bare = line;
        std::size_t start = bare.find_first_not_of("# \t");
        if (start != std::string::npos) bare = bare.substr(start);
        if (bare.starts_with(key + "=")) {
            if (!done) out += key + "=" + value + "\n";
            done = true;
            continue;
        }
        out += line + "\n";
    }
    if (!done) out += key + "=" + value + "\n";
    return out;
}

std::string comment_lines(const std::string& text, const std::vector<std::string>& prefixes) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
        bool hit = false;
        for (const auto& p : prefixes) hit = hit || line.starts_with(p);
        out += (hit ? "# (kiln) " : "") + line + "\n";
    }
    return out;
}

void set_timezone(Context& ctx, const profile::Text& zone) {
    Root& root = *ctx.root;
    std::string target = "/usr/share/zoneinfo/" + zone.value;
    if (!root.exists(target))
        throw LocatedError(zone.where, "time zone '" + zone.value + "' is not in the image (" +
                                           target + " missing; is tzdata installed?)");
    root.symlink(".." + target, "/etc/localtime");
    if (ctx.debian()) root.write_file("/etc/timezone", zone.value + "\n", 0644, 0, 0);
}

void set_locale(Context& ctx, const profile::Text& locale) {
    Root& root = *ctx.root;
    const std::string& l = locale.value;
    bool builtin = l == "C" || l == "POSIX" || l.starts_with("C.");
    if (!ctx.debian()) {
        root.write_file("/etc/locale.conf", "LANG=" + l + "\n", 0644, 0, 0);
        return;
    }
    root.write_file("/etc/default/locale", "LANG=" + l + "\n", 0644, 0, 0);
    if (builtin) return;
    auto gen = root.read_file("/etc/locale.gen");
    if (!gen || !root.exists("/usr/sbin/locale-gen"))
        throw LocatedError(locale.where,
                           "locale '" + l + "' needs the 'locales' package in the image");
    std::string charset = l.find("UTF-8") != std::string::npos ? "UTF-8" : "ISO-8859-1";
    root.write_file("/etc/locale.gen", *gen + l + " " + charset + "\n", 0644, 0, 0);
    ProcessResult r = root.run({"locale-gen"});
    if (!r.succeeded())
        throw LocatedError(locale.where, "locale-gen failed for '" + l + "': " + r.describe());
}

void configure_ntp(Context& ctx, const profile::TextList& servers) {
    Root& root = *ctx.root;
    std::string lines = "# Written by kiln from the profile's settings.ntp_servers.\n";
    for (const auto& s : servers) lines += "server " + s.value + " iburst\n";
    if (root.exists("/etc/chrony/chrony.conf")) {  // Debian: chrony reads sources.d
        root.make_directory("/etc/chrony/sources.d", 0755, 0, 0);
        root.write_file("/etc/chrony/sources.d/kiln.sources", lines, 0644, 0, 0);
        auto conf = root.read_file("/etc/chrony/chrony.conf").value_or("");
        root.write_file("/etc/chrony/chrony.conf", comment_lines(conf, {"pool ", "server "}), 0644,
                        0, 0);
        ctx.note = "chrony";
    } else if (root.exists("/etc/chrony.conf")) {  // EL 7: one file
        auto conf = root.read_file("/etc/chrony.conf").value_or("");
        root.write_file("/etc/chrony.conf", comment_lines(conf, {"pool ", "server "}) + lines, 0644,
                        0, 0);
        ctx.note = "chrony";
    } else if (root.exists("/lib/systemd/systemd-timesyncd") ||
               root.exists("/usr/lib/systemd/systemd-timesyncd")) {
        std::string list = join_mapped(servers, " ", &profile::Text::value);
        root.make_directory("/etc/systemd/timesyncd.conf.d", 0755, 0, 0);
        root.write_file("/etc/systemd/timesyncd.conf.d/kiln.conf", "[Time]\nNTP=" + list + "\n",
                        0644, 0, 0);
        ctx.note = "systemd-timesyncd";
    } else {
        throw LocatedError(
            servers.front().where,
            "no NTP client in the image to configure (install chrony or systemd-timesyncd)");
    }
}

void configure_zabbix_agent(Context& ctx, const profile::Text& server) {
    Root& root = *ctx.root;
    for (const char* path : {"/etc/zabbix/zabbix_agentd.conf", "/etc/zabbix_agentd.conf"}) {
        auto conf = root.read_file(path);
        if (!conf) continue;
        std::string text = set_key_value_lines(*conf, "Server", server.value);
        text = set_key_value_lines(text, "ServerActive", server.value);
        root.write_file(path, text, 0644, 0, 0);
        ctx.note = path;
        return;
    }
    throw LocatedError(server.where,
                       "zabbix_server is set but the image has no Zabbix agent configuration "
                       "(/etc/zabbix/zabbix_agentd.conf); install zabbix-agent");
}

void set_hostname(Context& ctx, const profile::Text& hostname) {
    Root& root = *ctx.root;
    root.write_file("/etc/hostname", hostname.value + "\n", 0644, 0, 0);
    std::string hosts = root.read_file("/etc/hosts").value_or("127.0.0.1\tlocalhost\n");
    std::istringstream in(hosts);
    std::string line, out;
    bool done = false;
    while (std::getline(in, line)) {
        if (line.starts_with("127.0.1.1")) {
            if (!done) out += "127.0.1.1\t" + hostname.value + "\n";
            done = true;
            continue;
        }
        out += line + "\n";
    }
    if (!done) out += "127.0.1.1\t" + hostname.value + "\n";
    root.write_file("/etc/hosts", out, 0644, 0, 0);
}

}  // namespace kiln::bake
