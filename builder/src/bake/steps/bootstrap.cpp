#include "bake/steps/bootstrap.hpp"

#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "bake/guest/native_root.hpp"
#include "bake/steps/packages.hpp"
#include "bake/steps/static_devices.hpp"
#include "bake/user_namespace.hpp"
#include "kiln/join.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;
using profile::BootstrapTool;

namespace {

bool is_debian_tool(BootstrapTool tool) {
    return tool == BootstrapTool::debootstrap || tool == BootstrapTool::mmdebstrap;
}

profile::PackageManager package_manager_of(BootstrapTool tool) {
    if (is_debian_tool(tool)) return profile::PackageManager::apt;
    return tool == BootstrapTool::dnf ? profile::PackageManager::dnf : profile::PackageManager::yum;
}

std::string shell_quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// apt inside mmdebstrap's chroot keeps what it fetched in /var/cache/apt/archives (removed at
// its cleanup); these hooks (sh -c, $1 = the tree) copy the host cache in before the download
// and whatever apt fetched back out before cleanup.
void add_apt_cache_hooks(std::vector<std::string>& c, const fs::path& cache) {
    const std::string host = shell_quoted(cache.string());
    c.push_back(
        "--setup-hook=mkdir -p \"$1/var/cache/apt/archives/partial\" && cp -a "
        "--reflink=auto " +
        host + "/. \"$1/var/cache/apt/archives/\"");
    c.push_back(
        "--customize-hook=find \"$1/var/cache/apt/archives\" -maxdepth 1 -name '*.deb' "
        "-exec cp -an --reflink=auto -t " +
        host + " {} +");
}

// The initramfs-tools files that give the initramfs `modules` alone: MODULES=list, and the
// list (mkinitramfs always adds what the list names, with their dependencies).
std::vector<std::pair<std::string, std::string>> initramfs_module_files(
    const profile::TextList& modules) {
    std::string list =
        "# Written by kiln build: the initramfs carries these drivers (MODULES=list in\n"
        "# conf.d/kiln-modules); every other module loads from the root filesystem.\n";
    for (const auto& m : modules) list += m.value + "\n";
    return {{"/etc/initramfs-tools/conf.d/kiln-modules", "MODULES=list\n"},
            {"/etc/initramfs-tools/modules", list}};
}

// Two costs of a Debian bootstrap that the image does not need: dpkg's fsync of every file
// (the tree is copied into a new filesystem afterwards), and initramfs generation, which the
// kernel's postinst and then every later initramfs trigger repeat (about a minute each here,
// one fork per module). update-initramfs is diverted to true while packages install and runs
// once at the end, for every installed kernel, with everything the packages added and, when the
// plan names them, only the initramfs modules it names.
void add_fast_install_hooks(std::vector<std::string>& c, const profile::TextList& modules) {
    const std::string dpkg_cfg = "\"$1/etc/dpkg/dpkg.cfg.d/kiln-bootstrap\"";
    const std::string tool = "/usr/sbin/update-initramfs";
    std::string module_set;
    if (!modules.empty()) {
        module_set = "mkdir -p \"$1/etc/initramfs-tools/conf.d\" && ";
        for (const auto& [path, text] : initramfs_module_files(modules))
            module_set += "printf %s " + shell_quoted(text) + " > \"$1" + path + "\" && ";
    }
    c.push_back("--setup-hook=mkdir -p \"$1/etc/dpkg/dpkg.cfg.d\" && echo force-unsafe-io > " +
                dpkg_cfg);
    c.push_back("--essential-hook=chroot \"$1\" dpkg-divert --quiet --local --rename --add " +
                tool + " && ln -s /bin/true \"$1" + tool + "\"");
    c.push_back("--customize-hook=rm -f \"$1" + tool + "\" " + dpkg_cfg +
                " && chroot \"$1\" dpkg-divert --quiet --local --rename --remove " + tool +
                " && if [ -x \"$1" + tool + "\" ]; then " + module_set + "chroot \"$1\" " + tool +
                " -c -k all; fi");
}

// debootstrap has no hooks: its kernel made an initramfs with every module; the module set is
// written and the initramfs made again from it.
void use_initramfs_modules(Context& ctx, const profile::TextList& modules) {
    NativeRoot root(ctx.tree);
    if (modules.empty() || !root.exists("/usr/sbin/update-initramfs")) return;
    for (const auto& [path, text] : initramfs_module_files(modules)) {
        root.make_directory(std::filesystem::path(path).parent_path().string(), 0755, 0, 0);
        root.write_file(path, text, 0644, 0, 0);
    }
    root.run_checked({"update-initramfs", "-u", "-k", "all"},
                     "making the initramfs with its module set");
}

// dnf and yum keep their cache under the installroot (they put the installroot before
// cachedir): the host's package cache is lent to the root for the run and taken back after it,
// so that the next build finds it and the image carries none of it.
constexpr const char* kElCacheInRoot = "/var/cache/kiln-bootstrap";

class CacheLentToRoot {
public:
    CacheLentToRoot(const fs::path& host, const fs::path& tree)
        : host_(host), in_root_(tree / fs::path(kElCacheInRoot).relative_path()) {
        if (!host_.empty() && fs::exists(host_)) move(host_, in_root_);
    }
    ~CacheLentToRoot() {
        try {
            if (!host_.empty() && fs::exists(in_root_)) move(in_root_, host_);
            fs::remove_all(in_root_);
        } catch (const std::exception&) {  // the cache only saves downloads
        }
    }
    CacheLentToRoot(const CacheLentToRoot&) = delete;
    CacheLentToRoot& operator=(const CacheLentToRoot&) = delete;

private:
    static void move(const fs::path& from, const fs::path& to) {
        fs::create_directories(to.parent_path());
        fs::remove_all(to);
        std::error_code ec;
        fs::rename(from, to, ec);
        if (!ec) return;
        fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        fs::remove_all(from);
    }

    fs::path host_, in_root_;
};

// debootstrap in a user namespace (a rootless build) cannot mknod /dev's nodes: the host's are
// bound onto placeholder files in the tree for its run (the disk step replaces the placeholders
// with nodes: static_devices.hpp). container=lxc stops its own mknod test of the target, which
// it skips in LXC, where it cannot mknod either; with the nodes there it makes none.
ProcessSpec with_host_devices(ProcessSpec spec, const fs::path& tree) {
    std::string names;
    for (const auto& device : static_devices()) names += std::string(" ") + device.name;
    const std::string script = "set -e; t=$1; shift; mkdir -p \"$t/dev\"; for d in" + names +
                               "; do [ -e \"/dev/$d\" ] || continue; : > \"$t/dev/$d\"; "
                               "mount --bind \"/dev/$d\" \"$t/dev/$d\"; done; exec \"$@\"";
    std::vector<std::string> argv = {
        "unshare", "--mount", "--propagation", "private",        "--",
        "/bin/sh", "-c",      script,          "kiln-bootstrap", tree.string()};
    argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
    spec.argv = std::move(argv);
    spec.env.push_back("container=lxc");
    return spec;
}

}  // namespace

std::vector<std::string> bootstrap_command(const plan::Bootstrap& b, const fs::path& tree,
                                           const fs::path& package_cache,
                                           const fs::path& repo_dir) {
    std::vector<std::string> packages;
    for (const auto& p : b.packages) packages.push_back(p.value);
    if (is_debian_tool(b.tool)) {
        const bool mm = b.tool == BootstrapTool::mmdebstrap;
        std::vector<std::string> c = {
            mm ? "mmdebstrap" : "debootstrap",
            "--arch=" + (b.arch.value == "x86_64" ? std::string("amd64") : b.arch.value)};
        // As root, the real chroot mode (device nodes, ownership) like debootstrap's.
        if (mm) {
            c.insert(c.end(), {"--mode=root", "--format=directory"});
            add_fast_install_hooks(c, b.initramfs_modules);
        }
        if (!b.variant.value.empty()) c.push_back("--variant=" + b.variant.value);
        if (!b.components.empty())
            c.push_back(fmt::format("--components={}",
                                    join_mapped(b.components, ",", &profile::Text::value)));
        if (!packages.empty()) c.push_back(fmt::format("--include={}", fmt::join(packages, ",")));
        if (!package_cache.empty()) {
            if (mm)
                add_apt_cache_hooks(c, package_cache);
            else
                c.push_back("--cache-dir=" + package_cache.string());
        }
        c.insert(c.end(), {b.release.value, tree.string(), b.mirror.value});
        return c;
    }
    std::string tool = b.tool == BootstrapTool::dnf ? "dnf" : "yum";
    std::vector<std::string> c = {tool,
                                  "--installroot=" + tree.string(),
                                  "--releasever=" + b.release.value,
                                  "--setopt=reposdir=" + repo_dir.string(),
                                  "--setopt=cachedir=" + std::string(kElCacheInRoot),
                                  "--setopt=keepcache=True",
                                  "-y"};
    if (tool == "dnf")
        c.insert(c.end(), {"--setopt=install_weak_deps=False", "--nodocs"});
    else
        c.push_back("--setopt=skip_missing_names_on_install=False");
    c.push_back("install");
    // What every bootable EL root needs besides the profile's list.
    for (const char* p : {"basesystem", "systemd", "kernel", "grub2-pc", "dracut-config-generic"})
        c.push_back(p);
    c.insert(c.end(), packages.begin(), packages.end());
    return c;
}

std::string el_bootstrap_repo_file(const plan::Bootstrap& b) {
    plan::AddRepository repo;
    repo.manager = package_manager_of(b.tool);
    repo.repository = Text{"kiln-bootstrap", b.mirror.where};
    repo.baseurl = b.mirror;
    if (b.signatures) {
        repo.gpgkey = b.signatures->gpgkey;
        repo.gpgcheck = b.signatures->gpgcheck;
    }
    return PackageDriver::make(repo.manager)->repository_file(repo).second;
}

std::vector<std::string> bootstrap_missing_packages(BootstrapTool tool, const std::string& output) {
    std::vector<std::string> out;
    if (tool == BootstrapTool::debootstrap) {
        static const std::regex re(R"(Couldn't find these debs: ([^\n]+))");
        std::smatch m;
        if (std::regex_search(output, m, re)) {
            std::istringstream words(m[1].str());
            std::string w;
            while (words >> w) out.push_back(w);
        }
        return out;
    }
    return PackageDriver::make(package_manager_of(tool))->missing_packages(output);
}

std::string package_cache_name(const plan::Bootstrap& b) {
    return (is_debian_tool(b.tool) ? std::string("apt") : to_string(b.tool)) + "-" +
           b.release.value;
}

void run_bootstrap(Context& ctx, const plan::Bootstrap& b, const Location& where,
                   const fs::path& package_cache) {
    fs::path repo_dir = ctx.work / "bootstrap-repos";
    ProcessSpec spec{bootstrap_command(b, ctx.tree, package_cache, repo_dir)};
    if (!is_debian_tool(b.tool)) {
        fs::create_directories(repo_dir);
        std::ofstream(repo_dir / "kiln-bootstrap.repo") << el_bootstrap_repo_file(b);
        // The host's rpm writes the root's package database where its own macros say (Debian's:
        // ~/.rpmdb); the ones in this HOME put it where an EL root's rpm reads it.
        fs::path home = ctx.work / "bootstrap-home";
        fs::create_directories(home);
        std::ofstream(home / ".rpmmacros") << "%_dbpath /var/lib/rpm\n";
        spec.env.push_back("HOME=" + home.string());
    }
    if (!package_cache.empty()) fs::create_directories(package_cache);
    if (b.tool == BootstrapTool::debootstrap && in_user_namespace())
        spec = with_host_devices(std::move(spec), ctx.tree);
    std::optional<CacheLentToRoot> lent;
    if (!is_debian_tool(b.tool)) lent.emplace(package_cache, ctx.tree);
    ProcessResult r = run(std::move(spec));
    lent.reset();
    if (r.succeeded()) {
        if (b.tool == BootstrapTool::debootstrap) use_initramfs_modules(ctx, b.initramfs_modules);
        ctx.note = std::to_string(b.packages.size()) + " packages included";
        return;
    }
    std::string tail = r.err_tail();
    for (const auto& name : bootstrap_missing_packages(b.tool, tail)) {
        if (const auto* p = find_package(b.packages, name))
            throw LocatedError(p->where, "package '" + p->value + "' does not exist in " +
                                             b.release.value + " at " + b.mirror.value);
    }
    if (b.signatures) {
        auto driver = PackageDriver::make(package_manager_of(b.tool));
        for (const auto& name : driver->unverified_packages(tail)) {
            const auto* p = find_package(b.packages, name);
            const Text& key = b.signatures->gpgkey;
            throw LocatedError(
                p                   ? p->where
                : key.value.empty() ? where
                                    : key.where,
                signature_failure(name, key.value.empty() ? "no key" : key.value, r) +
                    " (the mirror " + b.mirror.value + ")",
                ExitCode::failed);
        }
    }
    if (tail.find("Failed getting release file") != std::string::npos ||
        tail.find("Invalid Release file") != std::string::npos ||
        tail.find("does not have a Release file") != std::string::npos)
        throw LocatedError(b.release.where, "release '" + b.release.value + "' not found at " +
                                                b.mirror.value + ": " + r.describe());
    throw LocatedError(where, to_string(b.tool) + " failed: " + r.describe(), ExitCode::failed);
}

}  // namespace kiln::bake
