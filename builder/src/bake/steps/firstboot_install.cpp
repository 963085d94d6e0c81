#include "bake/steps/firstboot_install.hpp"

#include <fstream>
#include <sstream>

#include "bake/steps/units.hpp"
#include "kiln/elf.hpp"
#include "kiln/image_config.hpp"

#ifndef KILN_FIRSTBOOT_BINARY
#define KILN_FIRSTBOOT_BINARY ""
#endif
#ifndef KILN_UNITS_DIR
#define KILN_UNITS_DIR ""
#endif

namespace kiln::bake {

namespace fs = std::filesystem;

namespace {

std::string read_host(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Installed, kiln is PREFIX/bin/kiln beside PREFIX/libexec/kiln and PREFIX/share/kiln.
fs::path install_prefix() {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : self.parent_path().parent_path();
}

fs::path find_binary(const Context& ctx) {
    if (!ctx.options.firstboot_binary.empty()) return ctx.options.firstboot_binary;
    // Built: the kiln-firstboot-static target this kiln was built with.
    fs::path installed = install_prefix() / "libexec/kiln/kiln-firstboot";
    if (fs::is_regular_file(installed)) return installed;
    return KILN_FIRSTBOOT_BINARY;
}

fs::path find_unit(const Context& ctx) {
    if (!ctx.options.firstboot_unit.empty()) return ctx.options.firstboot_unit;
    // Built: the source tree's units/ (an installed kiln never looks there).
    for (const fs::path& dir : {install_prefix() / "share/kiln/units", fs::path(KILN_UNITS_DIR)})
        if (!dir.empty() && fs::is_regular_file(dir / "kiln-firstboot.service"))
            return dir / "kiln-firstboot.service";
    return {};
}

bool is_debian(const Context& ctx) {
    return ctx.profile.package_manager == profile::PackageManager::apt;
}

}  // namespace

std::string exec_start_program(const std::string& unit_text) {
    std::istringstream in(unit_text);
    std::string line;
    while (std::getline(in, line)) {
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line.compare(start, 10, "ExecStart=") != 0) continue;
        std::string value = line.substr(start + 10);
        std::size_t p = value.find_first_not_of("-@+!:");
        if (p == std::string::npos) continue;
        value = value.substr(p);
        return value.substr(0, value.find_first_of(" \t"));
    }
    return {};
}

std::string fallback_firstboot_unit() {
    return "# Installed by kiln build (the build tree had no units/kiln-firstboot.service).\n"
           "[Unit]\n"
           "Description=kiln first boot: node identity and cluster configuration\n"
           "After=network-online.target vmtoolsd.service open-vm-tools.service\n"
           "Wants=network-online.target\n"
           "Before=getty.target\n"
           "ConditionPathExists=!/var/lib/kiln/configured\n"
           "\n"
           "[Service]\n"
           "Type=oneshot\n"
           "ExecStart=/usr/bin/kiln-firstboot\n"
           "RemainAfterExit=yes\n"
           "StandardOutput=journal+console\n"
           "\n"
           "[Install]\n"
           "WantedBy=multi-user.target\n";
}

void install_firstboot(Context& ctx) {
    Root& root = *ctx.root;
    const auto& f = ctx.profile.firstboot;
    fs::path binary = find_binary(ctx);
    if (binary.empty() || !fs::is_regular_file(binary))
        throw LocatedError(
            f.where,
            "the kiln-firstboot binary was not found (" +
                (binary.empty() ? std::string("none configured") : binary.string()) +
                "); build the kiln-firstboot-static target or pass --firstboot-binary",
            ExitCode::failed);
    std::string image = read_host(binary);
    if (!is_static_x86_64_executable(image))
        throw LocatedError(
            f.where,
            binary.string() +
                " is not a static x86-64 executable; images get the static "
                "kiln-firstboot (configure with -DKILN_FIRSTBOOT_STATIC=ON and build "
                "kiln-firstboot-static, or pass --firstboot-binary)",
            ExitCode::failed);
    fs::path unit_path = find_unit(ctx);
    std::string unit = unit_path.empty() ? fallback_firstboot_unit() : read_host(unit_path);
    std::string program = exec_start_program(unit);
    if (program.empty() || program.front() != '/') program = "/usr/bin/kiln-firstboot";
    root.make_directory(fs::path(program).parent_path().string(), 0755, 0, 0);
    root.write_file(program, image, 0755, 0, 0);
    root.write_file("/etc/systemd/system/kiln-firstboot.service", unit, 0644, 0, 0);
    profile::TextList self{{"kiln-firstboot.service", f.where}};
    apply_units(ctx, UnitAction::enable, self);

    const std::string& user = f.admin_user.value;
    if (!user.empty()) {
        if (!root.run({"getent", "passwd", user}).succeeded()) {
            std::string group = is_debian(ctx) ? "sudo" : "wheel";
            root.run_checked(
                {"useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, user},
                "creating the admin user '" + user + "'");
        }
        root.run({"passwd", "--lock", user});
        root.make_directory("/etc/sudoers.d", 0750, 0, 0);
        root.write_file("/etc/sudoers.d/90-kiln-admin", user + " ALL=(ALL) NOPASSWD:ALL\n", 0440, 0,
                        0);
    }
    ctx.note =
        program + (unit_path.empty() ? ", fallback unit" : ", " + unit_path.filename().string());
    if (unit_path.empty())
        ctx.progress.warning(
            "no units/kiln-firstboot.service in the build tree: installed a minimal unit");
}

void write_node_defaults(Context& ctx) {
    Root& root = *ctx.root;
    const auto& f = ctx.profile.firstboot;
    image::ImageConfig c;
    c.os_family = is_debian(ctx) ? image::OsFamily::debian : image::OsFamily::el;
    c.network = is_debian(ctx) ? image::NetworkBackend::ifupdown : image::NetworkBackend::ifcfg;
    if (is_debian(ctx) && root.exists("/etc/systemd/network") &&
        !root.exists("/etc/network/interfaces"))
        c.network = image::NetworkBackend::networkd;
    c.dcs = f.dcs.value;
    for (const auto& s : f.services) c.services.push_back(s.value);
    c.admin_user = f.admin_user.value;
    c.scrub_secrets = f.scrub_secrets;
    // Where this image keeps PostgreSQL: the newest version installed.
    if (is_debian(ctx)) {
        auto versions = root.list("/usr/lib/postgresql");
        if (!versions.empty()) {
            c.postgres_bin_dir = "/usr/lib/postgresql/" + versions.back() + "/bin";
            c.postgres_data_dir = "/var/lib/postgresql/" + versions.back() + "/main";
        }
    } else {
        for (const auto& name : root.list("/usr")) {
            if (!name.starts_with("pgsql-")) continue;
            c.postgres_bin_dir = "/usr/" + name + "/bin";
            c.postgres_data_dir = "/var/lib/pgsql/" + name.substr(6) + "/data";
        }
    }
    for (const auto& [key, value] : f.defaults) {
        c.defaults[key] = value.value;
        c.default_where[key] = value.where;
    }
    root.make_directory("/etc/kiln", 0755, 0, 0);
    root.write_file(std::string(image::kImageConfigPath), image::to_yaml(c), 0644, 0, 0);
    ctx.note = std::string(image::kImageConfigPath);
}

void disable_cluster_services(Context& ctx) {
    apply_units(ctx, UnitAction::disable, ctx.profile.firstboot.services);
}

}  // namespace kiln::bake
