#include "bake/steps/firstboot_install.hpp"

#include <sstream>

#include "bake/planned_file.hpp"
#include "bake/steps/units.hpp"
#include "kiln/elf.hpp"
#include "kiln/image_config.hpp"
#include "plan/planner.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

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

void install_firstboot(Context& ctx, const plan::InstallFirstboot& install, const Location& where) {
    Root& root = *ctx.root;
    const fs::path& binary = install.binary.path;
    if (binary.empty() || !fs::is_regular_file(binary))
        throw LocatedError(
            where,
            "the kiln-firstboot binary was not found (" +
                (binary.empty() ? std::string("none configured") : binary.string()) +
                "); build the kiln-firstboot-static target or pass --firstboot-binary",
            ExitCode::failed);
    std::string image = read_planned(install.binary, where);
    if (!is_static_x86_64_executable(image))
        throw LocatedError(
            where,
            binary.string() +
                " is not a static x86-64 executable; images get the static "
                "kiln-firstboot (configure with -DKILN_FIRSTBOOT_STATIC=ON and build "
                "kiln-firstboot-static, or pass --firstboot-binary)",
            ExitCode::failed);
    const fs::path& unit_path = install.unit.path;
    std::string unit =
        unit_path.empty() ? plan::fallback_firstboot_unit() : read_planned(install.unit, where);
    std::string program = exec_start_program(unit);
    if (program.empty() || program.front() != '/') program = "/usr/bin/kiln-firstboot";
    root.make_directory(fs::path(program).parent_path().string(), 0755, 0, 0);
    root.write_file(program, image, 0755, 0, 0);
    root.write_file("/etc/systemd/system/kiln-firstboot.service", unit, 0644, 0, 0);
    profile::TextList self{{"kiln-firstboot.service", where}};
    apply_units(ctx, plan::UnitAction::enable, self);

    const std::string& user = install.admin_user.value;
    if (!user.empty()) {
        if (!root.run({"getent", "passwd", user}).succeeded()) {
            std::string group = ctx.debian() ? "sudo" : "wheel";
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

void write_node_defaults(Context& ctx, const plan::WriteNodeDefaults& f) {
    Root& root = *ctx.root;
    image::ImageConfig c;
    c.os_family = ctx.debian() ? image::OsFamily::debian : image::OsFamily::el;
    c.network = ctx.debian() ? image::NetworkBackend::ifupdown : image::NetworkBackend::ifcfg;
    if (ctx.debian() && root.exists("/etc/systemd/network") &&
        !root.exists("/etc/network/interfaces"))
        c.network = image::NetworkBackend::networkd;
    c.dcs = f.dcs.value;
    for (const auto& s : f.dcs_servers) c.dcs_servers.push_back(s.value);
    for (const auto& s : f.services) c.services.push_back(s.value);
    c.admin_user = f.admin_user.value;
    c.scrub_secrets = f.scrub_secrets;
    c.tls = f.tls;
    c.failover = f.failover;
    // Where this image keeps PostgreSQL: the newest version installed.
    if (ctx.debian()) {
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
    c.release = f.release.value;
    if (const auto& d = f.data_disk)
        c.data_disk = image::DataDisk{d->label.value, to_string(d->filesystem), d->mount.value};
    root.make_directory("/etc/kiln", 0755, 0, 0);
    root.write_file(std::string(image::kImageConfigPath), image::to_yaml(c), 0644, 0, 0);
    ctx.note = std::string(image::kImageConfigPath);
}

std::string data_disk_mount_unit(const plan::DataDiskSpec& disk) {
    return "# Written by kiln build: the node's data disk (profile data_disk), found by its "
           "label.\n"
           "# kiln-firstboot formats a blank disk at boot and starts this unit; the cluster\n"
           "# services require it, so they never write their state onto the OS disk.\n"
           "[Unit]\n"
           "Description=kiln data disk " +
           disk.label.value + " on " + disk.mount.value +
           "\n"
           "Documentation=file:/etc/kiln/README\n"
           "\n"
           "[Mount]\n"
           "What=/dev/disk/by-label/" +
           disk.label.value +
           "\n"
           "Where=" +
           disk.mount.value +
           "\n"
           "Type=" +
           to_string(disk.filesystem) +
           "\n"
           // nofail: no Before=local-fs.target, so a missing disk never stops the boot (SSH and
           // the console stay up) and kiln-firstboot, ordered after local-fs, can format it first.
           "Options=noatime,nofail\n";
}

void configure_data_disk(Context& ctx, const plan::ConfigureDataDisk& c) {
    Root& root = *ctx.root;
    std::string unit = image::mount_unit_name(c.disk.mount.value);
    root.make_directory(c.disk.mount.value, 0755, 0, 0);
    root.write_file("/etc/systemd/system/" + unit, data_disk_mount_unit(c.disk), 0644, 0, 0);
    for (const auto& service : c.services) {
        std::string dir = "/etc/systemd/system/" + service.value + ".d";
        root.make_directory(dir, 0755, 0, 0);
        root.write_file(dir + "/20-kiln-data-disk.conf",
                        "# Written by kiln build: this service's state lives on the data disk.\n"
                        "[Unit]\nRequiresMountsFor=" +
                            c.disk.mount.value + "\n",
                        0644, 0, 0);
    }
    ctx.note = unit + ", required by " + std::to_string(c.services.size()) + " services";
}

void disable_cluster_services(Context& ctx, const plan::DisableClusterServices& services) {
    apply_units(ctx, plan::UnitAction::disable, services.units);
}

}  // namespace kiln::bake
