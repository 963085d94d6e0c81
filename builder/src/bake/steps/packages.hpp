#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bake/context.hpp"
#include "plan/actions.hpp"

namespace kiln::bake {

struct InstalledPackage {
    std::string name;
    std::string version;  // rpm: EPOCH:VERSION-RELEASE when the epoch is not 0
    std::string arch;
    std::string source;   // the source package's name; empty when the database has none
    std::string license;  // as the package database says (rpm); empty when it does not
};

// One package manager as the build drives it inside the guest (apt, yum, dnf): repository
// files, install and remove with the guest's network, the installed list for the manifest, and
// which of the profile's packages a failure names.
class PackageDriver {
public:
    virtual ~PackageDriver() = default;
    // The file a repository becomes in the guest, and its text.
    virtual std::pair<std::string, std::string> repository_file(
        const plan::AddRepository& repo) const = 0;
    virtual std::vector<std::vector<std::string>> install_commands(
        const std::vector<std::string>& packages) const = 0;
    virtual std::vector<std::string> remove_command(
        const std::vector<std::string>& packages) const = 0;
    virtual std::vector<std::string> query_command() const = 0;
    // The package names a failed command's output says do not exist.
    virtual std::vector<std::string> missing_packages(const std::string& output) const = 0;

    static std::unique_ptr<PackageDriver> make(profile::PackageManager manager);
};

// "name=1.2" / "name-1.2" as written in a profile -> "name" for matching tool messages.
std::string package_base_name(const std::string& spec);
// The profile location of a package named in a tool message (nullptr when not the profile's).
const profile::Text* find_package(const profile::TextList& list, const std::string& name);

// Lines of query_command(): status, name, version, arch, then source and license when known.
std::vector<InstalledPackage> parse_package_list(const std::string& tab_separated);
// "bash-5.1.8-6.el9.src.rpm" -> "bash"; a dpkg source name as it is; "(none)" -> "".
std::string source_package_name(const std::string& field);

// add-repository / install-packages / remove-packages on ctx.root.
void add_repository(Context& ctx, const plan::AddRepository& repo);
void install_packages(Context& ctx, const plan::InstallPackages& install);
void remove_packages(Context& ctx, const plan::RemovePackages& remove);
// What the guest's own package manager says is installed, for the build record.
std::vector<InstalledPackage> installed_packages(Context& ctx);

}  // namespace kiln::bake
