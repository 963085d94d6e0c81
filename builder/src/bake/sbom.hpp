#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bake/steps/packages.hpp"
#include "sysprep/guest_files.hpp"

// NAME.spdx.json: the image's bill of materials as an SPDX 2.3 JSON document, made from the
// package list the manifest records.
namespace kiln::bake {

// The guest's /etc/os-release ID and VERSION_ID ("debian", "12"); empty when absent.
struct GuestOs {
    std::string id;
    std::string version_id;
};
GuestOs read_guest_os(GuestFiles& files);

struct SbomInput {
    std::string image_name;
    std::string release;  // the profile's release: the image's versionInfo (may be empty)
    profile::PackageManager manager{};
    GuestOs os;
    std::vector<InstalledPackage> packages;
    std::string image_file;    // the disk the image package stands for (NAME.qcow2)
    std::string image_sha256;  // its sha256; empty when no disk was written
    std::string digest;        // what makes the namespace unique: the image's sha256
    std::int64_t created = 0;  // Unix seconds: the build's SOURCE_DATE_EPOCH
};

// SPDX 2.3: the document, one package for the image (DESCRIBES), one per installed package
// (CONTAINS) with its purl, source package and declared license (NOASSERTION when unknown).
nlohmann::json make_spdx(const SbomInput& in);

// pkg:deb/debian/NAME@VERSION?arch=A&distro=debian-12, pkg:rpm/rocky/NAME@V-R?arch=A&epoch=N.
std::string package_url(profile::PackageManager manager, const GuestOs& os,
                        const InstalledPackage& package);

// An rpm License tag as an SPDX license expression when it is one (old Fedora names such as
// "GPLv2+ and BSD" are not), else NOASSERTION.
std::string spdx_license(const std::string& license);

}  // namespace kiln::bake
