#include "bake/steps/packages.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "kiln/join.hpp"

namespace kiln::bake {

using plan::AddRepository;
using profile::PackageManager;

namespace {

std::vector<std::string> matches(const std::string& text, const std::regex& re, int group = 1) {
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
        out.push_back((*it)[group].str());
    return out;
}

class AptDriver final : public PackageDriver {
public:
    std::pair<std::string, std::string> repository_file(const AddRepository& r) const override {
        std::string text =
            "# Written by kiln from the profile's repository '" + r.repository.value + "'.\n";
        text += "Types: deb\nURIs: " + r.uri.value + "\nSuites: " + r.suite.value + "\n";
        if (!r.components.empty())
            text += fmt::format("Components: {}\n",
                                join_mapped(r.components, " ", &profile::Text::value));
        if (!r.signed_by.value.empty()) text += "Signed-By: " + key_path(r) + "\n";
        if (!r.enabled) text += "Enabled: no\n";
        return {"/etc/apt/sources.list.d/kiln-" + r.repository.value + ".sources", text};
    }
    static std::string key_path(const AddRepository& r) {
        std::string ext = r.signed_by.value.ends_with(".asc") ? ".asc" : ".gpg";
        return "/etc/apt/keyrings/kiln-" + r.repository.value + ext;
    }
    std::vector<std::vector<std::string>> install_commands(
        const std::vector<std::string>& p) const override {
        std::vector<std::string> install = {"apt-get",
                                            "install",
                                            "-y",
                                            "-q",
                                            "--no-install-recommends",
                                            "-o",
                                            "Dpkg::Options::=--force-confold"};
        install.insert(install.end(), p.begin(), p.end());
        return {{"apt-get", "update", "-q"}, install};
    }
    std::vector<std::string> remove_command(const std::vector<std::string>& p) const override {
        std::vector<std::string> c = {"apt-get", "purge", "-y", "-q"};
        c.insert(c.end(), p.begin(), p.end());
        return c;
    }
    std::vector<std::string> query_command() const override {
        return {"dpkg-query", "-W", "-f",
                "${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\t"
                "${source:Package}\\t\\n"};
    }
    std::vector<std::string> missing_packages(const std::string& out) const override {
        static const std::regex locate(R"(Unable to locate package ([^\s]+))");
        static const std::regex candidate(R"(Package '([^']+)' has no installation candidate)");
        static const std::regex version(R"(Version '[^']*' for '([^']+)' was not found)");
        auto a = matches(out, locate), b = matches(out, candidate), c = matches(out, version);
        a.insert(a.end(), b.begin(), b.end());
        a.insert(a.end(), c.begin(), c.end());
        return a;
    }
};

class RpmDriver final : public PackageDriver {
public:
    explicit RpmDriver(PackageManager m) : tool_(m == PackageManager::dnf ? "dnf" : "yum") {}
    std::pair<std::string, std::string> repository_file(const AddRepository& r) const override {
        std::string text =
            "# Written by kiln from the profile's repository '" + r.repository.value + "'.\n";
        text += "[" + r.repository.value + "]\nname=" + r.repository.value +
                "\nbaseurl=" + r.baseurl.value + "\n";
        text += std::string("enabled=") + (r.enabled ? "1" : "0") + "\n";
        text += std::string("gpgcheck=") + (r.gpgcheck ? "1" : "0") + "\n";
        if (!r.gpgkey.value.empty()) text += "gpgkey=" + r.gpgkey.value + "\n";
        return {"/etc/yum.repos.d/kiln-" + r.repository.value + ".repo", text};
    }
    std::vector<std::vector<std::string>> install_commands(
        const std::vector<std::string>& p) const override {
        // yum succeeds when some names do not exist unless told otherwise.
        std::vector<std::string> c = {tool_, "install", "-y",
                                      "--setopt=skip_missing_names_on_install=False",
                                      "--setopt=tsflags=nodocs"};
        if (tool_ == "dnf")
            c = {tool_, "install", "-y", "--setopt=install_weak_deps=False", "--nodocs"};
        c.insert(c.end(), p.begin(), p.end());
        return {c};
    }
    std::vector<std::string> remove_command(const std::vector<std::string>& p) const override {
        std::vector<std::string> c = {tool_, "remove", "-y"};
        c.insert(c.end(), p.begin(), p.end());
        return c;
    }
    std::vector<std::string> query_command() const override {
        return {"rpm", "-qa", "--qf",
                "ii \\t%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t"
                "%{LICENSE}\\n"};
    }
    std::vector<std::string> missing_packages(const std::string& out) const override {
        static const std::regex yum(R"(No package ([^\s]+) available)");
        static const std::regex dnf(R"(No match for argument: ([^\s]+))");
        auto a = matches(out, yum), b = matches(out, dnf);
        a.insert(a.end(), b.begin(), b.end());
        return a;
    }

private:
    std::string tool_;
};

std::vector<std::string> values(const profile::TextList& list) {
    std::vector<std::string> out;
    for (const auto& t : list) out.push_back(t.value);
    return out;
}

[[noreturn]] void fail_packages(PackageManager manager, const profile::TextList& list,
                                const ProcessResult& r, const std::string& what) {
    auto driver = PackageDriver::make(manager);
    for (const auto& name : driver->missing_packages(r.err_tail()))
        if (const auto* where = find_package(list, name))
            throw LocatedError(where->where, "package '" + where->value +
                                                 "' does not exist in the configured "
                                                 "repositories (" +
                                                 to_string(manager) + ")");
    throw LocatedError(list.front().where, what + " failed: " + r.describe(), ExitCode::failed);
}

}  // namespace

std::unique_ptr<PackageDriver> PackageDriver::make(PackageManager manager) {
    if (manager == PackageManager::apt) return std::make_unique<AptDriver>();
    return std::make_unique<RpmDriver>(manager);
}

std::string package_base_name(const std::string& spec) {
    return spec.substr(0, spec.find('='));
}

const profile::Text* find_package(const profile::TextList& list, const std::string& name) {
    for (const auto& t : list)
        if (t.value == name || package_base_name(t.value) == name) return &t;
    return nullptr;
}

std::string source_package_name(const std::string& field) {
    static const std::string rpm_suffix = ".src.rpm";
    if (field == "(none)") return {};
    if (!field.ends_with(rpm_suffix)) return field;  // dpkg: the name already
    std::string name = field.substr(0, field.size() - rpm_suffix.size());
    for (int dash = 0; dash < 2; ++dash) {  // NAME-VERSION-RELEASE
        std::size_t at = name.rfind('-');
        if (at == std::string::npos || at == 0) return field;
        name.resize(at);
    }
    return name;
}

std::vector<InstalledPackage> parse_package_list(const std::string& text) {
    std::vector<InstalledPackage> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::size_t start = 0, tab;
        while ((tab = line.find('\t', start)) != std::string::npos) {
            f.push_back(line.substr(start, tab - start));
            start = tab + 1;
        }
        f.push_back(line.substr(start));
        if (f.size() < 4 || !f[0].starts_with("ii")) continue;  // installed only
        std::string version = f[2];
        if (version.starts_with("0:")) version = version.substr(2);  // rpm epoch 0
        InstalledPackage package{f[1], version, f[3], {}, {}};
        if (f.size() > 4) package.source = source_package_name(f[4]);
        if (f.size() > 5 && f[5] != "(none)") package.license = f[5];
        out.push_back(std::move(package));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

void add_repository(Context& ctx, const AddRepository& repo) {
    Root& root = *ctx.root;
    auto driver = PackageDriver::make(repo.manager);
    auto [path, text] = driver->repository_file(repo);
    if (repo.manager == PackageManager::apt && !repo.signed_by_key.path.empty()) {
        std::ifstream in(repo.signed_by_key.path, std::ios::binary);
        if (!in)
            throw LocatedError(repo.signed_by.where,
                               "key file '" + repo.signed_by.value + "' cannot be read");
        std::ostringstream key;
        key << in.rdbuf();
        root.make_directory("/etc/apt/keyrings", 0755, 0, 0);
        root.write_file(AptDriver::key_path(repo), key.str(), 0644, 0, 0);
    }
    root.make_directory(std::filesystem::path(path).parent_path().string(), 0755, 0, 0);
    root.write_file(path, text, 0644, 0, 0);
    ctx.note = path;
}

namespace {

// Debian's maintainer scripts ask policy-rc.d before starting a service: nothing starts.
struct NoServiceStarts {
    Root& root;
    bool active;
    NoServiceStarts(Root& r, bool apt)
        : root(r), active(apt && !r.exists("/usr/sbin/policy-rc.d")) {
        if (active) root.write_file("/usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", 0755, 0, 0);
    }
    ~NoServiceStarts() {
        try {
            if (active) root.remove("/usr/sbin/policy-rc.d");
        } catch (...) {
        }
    }
};

}  // namespace

void install_packages(Context& ctx, const plan::InstallPackages& install) {
    auto driver = PackageDriver::make(install.manager);
    NoServiceStarts guard(*ctx.root, install.manager == PackageManager::apt);
    for (const auto& command : driver->install_commands(values(install.packages))) {
        ProcessResult r = ctx.root->run(command);
        if (!r.succeeded())
            fail_packages(install.manager, install.packages, r, command.front() + " " + command[1]);
    }
    ctx.note = std::to_string(install.packages.size()) + " packages";
}

void remove_packages(Context& ctx, const plan::RemovePackages& remove) {
    auto driver = PackageDriver::make(remove.manager);
    ProcessResult r = ctx.root->run(driver->remove_command(values(remove.packages)));
    if (!r.succeeded()) fail_packages(remove.manager, remove.packages, r, "removing packages");
}

std::vector<InstalledPackage> installed_packages(Context& ctx) {
    auto driver = PackageDriver::make(ctx.package_manager);
    ProcessResult r = ctx.root->run(driver->query_command(), {}, StdoutTo::result);
    if (!r.succeeded()) throw Error("cannot list the installed packages: " + r.describe());
    return parse_package_list(r.out);
}

}  // namespace kiln::bake
