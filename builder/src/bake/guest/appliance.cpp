#include "bake/guest/appliance.hpp"

#include <guestfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "kiln/error.hpp"

namespace kiln::bake {

namespace {

struct StringList {
    char** items;
    explicit StringList(char** p) : items(p) {}
    ~StringList() {
        if (!items) return;
        for (char** i = items; *i; ++i) std::free(*i);
        std::free(items);
    }
};

std::vector<char*> c_argv(std::vector<std::string>& args) {
    std::vector<char*> out;
    for (auto& a : args) out.push_back(a.data());
    out.push_back(nullptr);
    return out;
}

namespace fs = std::filesystem;

// A folder only this user may change (it lives in a shared /tmp-like place): made 0700, or an
// existing one that is a real folder owned by this user and writable by nobody else.
void make_private_directory(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0700) == 0) return;
    if (errno != EEXIST) throw SystemError("cannot make " + dir.string(), errno);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) throw SystemError("cannot inspect " + dir.string(), errno);
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022))
        throw Error(dir.string() +
                    " is not a folder of this user's that only it may change: remove it");
}

// `path` holding `text`, replaced whole (temp name, then rename) when it holds something else.
void ensure_file(const fs::path& path, const std::string& text) {
    std::ifstream in(path);
    std::ostringstream current;
    current << in.rdbuf();
    if (in && current.str() == text) return;
    fs::path temp = path.string() + ".tmp";
    std::ofstream(temp) << text;
    fs::rename(temp, path);
}

// `link` pointing at `target`, replaced when it points elsewhere.
void ensure_symlink(const fs::path& target, const fs::path& link) {
    std::error_code ec;
    if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec) == target) return;
    fs::path temp = link.string() + ".tmp";
    fs::remove(temp, ec);
    fs::create_symlink(target, temp);
    fs::rename(temp, link);
}

// The folder of libguestfs's search path (colon-separated) that holds a supermin.d.
fs::path supermin_source(const std::string& search_path) {
    std::istringstream parts(search_path);
    for (std::string dir; std::getline(parts, dir, ':');)
        if (!dir.empty() && fs::is_directory(fs::path(dir) / "supermin.d")) return dir;
    throw Error("no supermin.d in libguestfs's appliance path '" + search_path +
                "': an appliance with setfiles cannot be made");
}

constexpr const char* kSetfilesPackages = "packages-kiln-setfiles";

}  // namespace

std::string host_setfiles() {
    for (const char* path : {"/usr/sbin/setfiles", "/sbin/setfiles"})
        if (fs::exists(path)) return path;
    throw Error(
        "an SELinux relabel runs the host's setfiles (on a tree, or added to the "
        "libguestfs appliance), and this host has none: install policycoreutils "
        "(.ci/install-deps does)");
}

SetfilesAppliance prepare_setfiles_appliance(const fs::path& system_path, const fs::path& base) {
    host_setfiles();  // supermin takes the appliance's copy from the host's package
    make_private_directory(base);
    fs::path supermin = base / "supermin.d";
    fs::path cache = base / "cache";
    fs::create_directories(supermin);
    fs::create_directories(cache);
    std::set<std::string> wanted = {kSetfilesPackages};
    for (const auto& entry : fs::directory_iterator(system_path / "supermin.d")) {
        wanted.insert(entry.path().filename().string());
        ensure_symlink(entry.path(), supermin / entry.path().filename());
    }
    for (const auto& entry : fs::directory_iterator(supermin))
        if (!wanted.contains(entry.path().filename().string())) fs::remove(entry.path());
    ensure_file(supermin / kSetfilesPackages, "policycoreutils\n");
    return {base, cache};
}

Appliance::Appliance(Accel accel, ApplianceTools tools) {
    g_ = guestfs_create();
    if (!g_) throw Error("cannot create a libguestfs handle");
    guestfs_set_error_handler(g_, nullptr, nullptr);
    if (tools == ApplianceTools::with_setfiles) {
        // Its own cache folder: supermin rebuilds only when its inputs are newer than the
        // appliance, so two package lists sharing one cache would get each other's appliance.
        const char* path = guestfs_get_path(g_);
        char* cachedir = guestfs_get_cachedir(g_);
        fs::path base = fs::path(cachedir ? cachedir : "/var/tmp") /
                        ("kiln-setfiles-appliance-" + std::to_string(::geteuid()));
        std::free(cachedir);
        SetfilesAppliance appliance =
            prepare_setfiles_appliance(supermin_source(path ? path : ""), base);
        check(guestfs_set_path(g_, appliance.path.c_str()), "cannot set the appliance path");
        check(guestfs_set_cachedir(g_, appliance.cache.c_str()), "cannot set the appliance cache");
    }
    guestfs_set_smp(g_, 2);
    guestfs_set_memsize(g_, 1536);
    // Keep any settings the user gave in LIBGUESTFS_BACKEND_SETTINGS, force or drop TCG.
    std::vector<std::string> settings;
    if (char** current = guestfs_get_backend_settings(g_)) {
        StringList list(current);
        for (char** s = current; *s; ++s)
            if (std::strcmp(*s, "force_tcg") != 0 && std::strcmp(*s, "force_kvm") != 0)
                settings.emplace_back(*s);
    }
    if (resolve_accel(accel) == Accel::tcg) settings.push_back("force_tcg");
    auto argv = c_argv(settings);
    guestfs_set_backend_settings(g_, argv.data());
}

Appliance::~Appliance() {
    if (!g_) return;
    clear_extra_child();
    if (launched_) guestfs_shutdown(g_);
    guestfs_close(g_);
}

void Appliance::check(int rc, const std::string& what) const {
    if (rc != -1) return;
    throw_if_interrupted();
    const char* e = guestfs_last_error(g_);
    throw Error(what + ": " + (e ? e : "libguestfs failed"));
}

void Appliance::check(const void* ptr, const std::string& what) const {
    check(ptr ? 0 : -1, what);
}

void Appliance::add_disk(const std::filesystem::path& path, const std::string& format) {
    check(guestfs_add_drive_opts(g_, path.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, format.c_str(),
                                 GUESTFS_ADD_DRIVE_OPTS_DISCARD, "besteffort", -1),
          "cannot add " + path.string() + " to the appliance");
}

void Appliance::set_network(bool on) {
    guestfs_set_network(g_, on ? 1 : 0);
}

void Appliance::launch() {
    throw_if_interrupted();
    log_line("launching the libguestfs appliance");
    check(guestfs_launch(g_), "cannot launch the libguestfs appliance");
    launched_ = true;
    int pid = guestfs_get_pid(g_);
    if (pid > 0) register_extra_child(pid);
}

std::string no_setfiles_in_appliance() {
    return "the libguestfs appliance has no setfiles even with this host's policycoreutils "
           "added (libguestfs's 'selinuxrelabel' feature is not available), so the finished "
           "disk cannot be relabelled";
}

bool Appliance::has_feature(const std::string& group) const {
    const char* groups[] = {group.c_str(), nullptr};
    int available = guestfs_feature_available(g_, const_cast<char**>(groups));
    check(available, "cannot ask the appliance for '" + group + "'");
    return available == 1;
}

void Appliance::shutdown() {
    if (!launched_) return;
    clear_extra_child();
    launched_ = false;
    check(guestfs_shutdown(g_), "the appliance did not shut down cleanly");
}

std::string Appliance::device(int index) const {
    char** devices = guestfs_list_devices(g_);
    check(devices, "cannot list the appliance's disks");
    StringList list(devices);
    int n = 0;
    for (char** d = devices; *d; ++d, ++n)
        if (n == index) return *d;
    throw Error("the appliance has no disk " + std::to_string(index));
}

std::string Appliance::partition(int number) const {
    return device(0) + std::to_string(number);
}

bool GuestRoot::exists(const std::string& path) {
    return guestfs_is_symlink(g_, path.c_str()) == 1 || guestfs_exists(g_, path.c_str()) == 1;
}

bool GuestRoot::is_directory(const std::string& path) {
    return guestfs_is_dir_opts(g_, path.c_str(), GUESTFS_IS_DIR_OPTS_FOLLOWSYMLINKS, 1, -1) == 1;
}

bool GuestRoot::is_symlink(const std::string& path) {
    return guestfs_is_symlink(g_, path.c_str()) == 1;
}

std::optional<std::string> GuestRoot::read_file(const std::string& path) {
    if (guestfs_is_file_opts(g_, path.c_str(), GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) != 1)
        return std::nullopt;
    size_t size = 0;
    char* data = guestfs_read_file(g_, path.c_str(), &size);
    a_.check(data, "cannot read " + path + " in the guest");
    std::string out(data, size);
    std::free(data);
    return out;
}

void GuestRoot::write_file(const std::string& path, const std::string& content, unsigned mode,
                           unsigned uid, unsigned gid) {
    if (guestfs_is_symlink(g_, path.c_str()) == 1)
        a_.check(guestfs_rm(g_, path.c_str()), "cannot replace " + path);
    a_.check(guestfs_write(g_, path.c_str(), content.data(), content.size()),
             "cannot write " + path + " in the guest");
    a_.check(guestfs_chown(g_, static_cast<int>(uid), static_cast<int>(gid), path.c_str()),
             "cannot chown " + path);
    a_.check(guestfs_chmod(g_, static_cast<int>(mode), path.c_str()), "cannot chmod " + path);
}

bool GuestRoot::make_directory(const std::string& path, unsigned mode, unsigned uid, unsigned gid) {
    if (is_directory(path)) return false;
    std::string parent = path.substr(0, path.rfind('/'));
    if (!parent.empty() && !is_directory(parent)) make_directory(parent, 0755, 0, 0);
    a_.check(guestfs_mkdir_mode(g_, path.c_str(), static_cast<int>(mode)),
             "cannot create " + path + " in the guest");
    a_.check(guestfs_chown(g_, static_cast<int>(uid), static_cast<int>(gid), path.c_str()),
             "cannot chown " + path);
    a_.check(guestfs_chmod(g_, static_cast<int>(mode), path.c_str()), "cannot chmod " + path);
    return true;
}

void GuestRoot::symlink(const std::string& target, const std::string& path) {
    a_.check(guestfs_ln_sf(g_, target.c_str(), path.c_str()), "cannot create the symlink " + path);
}

void GuestRoot::remove(const std::string& path) {
    if (!exists(path)) return;
    a_.check(guestfs_rm_rf(g_, path.c_str()), "cannot remove " + path + " in the guest");
}

std::vector<std::string> GuestRoot::list(const std::string& directory) {
    std::vector<std::string> out;
    if (!is_directory(directory)) return out;
    char** names = guestfs_ls(g_, directory.c_str());
    a_.check(names, "cannot list " + directory + " in the guest");
    StringList list(names);
    for (char** n = names; *n; ++n) out.emplace_back(*n);
    return out;
}

ProcessResult GuestRoot::run(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env, StdoutTo) {
    throw_if_interrupted();
    std::vector<std::string> args = guest_command_prefix(env);
    args.insert(args.end(), argv.begin(), argv.end());
    log_line("(appliance) $ " + quote_command(argv));
    auto cargv = c_argv(args);
    char* out = guestfs_command(g_, cargv.data());
    // guestfs_command gives the output of a command that worked, else only an error text: the
    // text stands in for stderr, 1 for the exit status it does not tell.
    ProcessResult r;
    r.outcome = Outcome::exited;
    if (!out) {
        throw_if_interrupted();
        const char* e = guestfs_last_error(g_);
        r.exit_code = 1;
        r.err = e ? e : "command failed in the appliance";
        log_line(r.err);
        return r;
    }
    r.exit_code = 0;
    r.out = out;
    std::free(out);
    return r;
}

void ApplianceDisk::selinux_relabel(const std::string& file_contexts) {
    if (!a_.has_feature("selinuxrelabel"))
        throw Error("SELinux relabel: " + no_setfiles_in_appliance());
    a_.check(guestfs_selinux_relabel(a_.handle(), file_contexts.c_str(), "/",
                                     GUESTFS_SELINUX_RELABEL_FORCE, 1, -1),
             "SELinux relabel failed");
}

std::string ApplianceDisk::trim_free_space() {
    // Not every backing store supports discard; the export is then only larger.
    return guestfs_fstrim(a_.handle(), "/", -1) == 0 ? "fstrim /" : "discard unsupported: skipped";
}

}  // namespace kiln::bake
