#include "bake/sbom.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "kiln/version.hpp"

namespace kiln::bake {

namespace {

constexpr const char* kNoAssertion = "NOASSERTION";

bool unreserved(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == '~';
}

// purl components are percent-encoded but for the unreserved characters.
std::string percent_encoded(const std::string& text) {
    std::string out;
    for (char c : text)
        out += unreserved(c) ? std::string(1, c)
                             : fmt::format("%{:02X}", static_cast<unsigned char>(c));
    return out;
}

std::string unquoted(std::string value) {
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
        value = value.substr(1, value.size() - 2);
    return value;
}

// An SPDX id's idstring: letters, digits, '.' and '-'.
std::string id_part(const std::string& text) {
    std::string out;
    for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '-';
    return out;
}

// SPDX license identifiers have a version after a '-' (GPL-2.0-or-later); these few have none.
const std::set<std::string>& ids_without_dash() {
    static const std::set<std::string> ids = {
        "MIT",       "ISC", "Zlib", "PostgreSQL", "OpenSSL",  "curl", "Vim",   "Ruby",
        "Unlicense", "X11", "NTP",  "Libpng",     "Sendmail", "TCL",  "WTFPL", "Beerware"};
    return ids;
}

bool license_id(const std::string& word) {
    std::string id = word.ends_with("+") ? word.substr(0, word.size() - 1) : word;
    bool plain = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
    if (!plain || id.starts_with("LicenseRef-")) return false;  // needs its text alongside
    if (ids_without_dash().contains(id)) return true;
    return id.find('-') != std::string::npos && id.find_first_of("0123456789") != std::string::npos;
}

// A recursive-descent check of an SPDX license expression: term ((AND|OR) term)*, where a term
// is an id (WITH an exception id) or a parenthesised expression.
class LicenseExpression {
public:
    explicit LicenseExpression(const std::string& text) {
        std::string spaced;
        for (char c : text)
            spaced += c == '(' || c == ')' ? std::string(" ") + c + " " : std::string(1, c);
        std::istringstream words(spaced);
        for (std::string w; words >> w;) tokens_.push_back(w);
    }
    bool valid() { return expression() && at_ == tokens_.size(); }

private:
    bool expression() {
        if (!term()) return false;
        while (peek() == "AND" || peek() == "OR") {
            ++at_;
            if (!term()) return false;
        }
        return true;
    }
    bool term() {
        if (peek() == "(") {
            ++at_;
            if (!expression() || peek() != ")") return false;
            ++at_;
            return true;
        }
        if (!license_id(peek())) return false;
        ++at_;
        if (peek() != "WITH") return true;
        ++at_;
        if (!license_id(peek())) return false;
        ++at_;
        return true;
    }
    std::string peek() const { return at_ < tokens_.size() ? tokens_[at_] : ""; }

    std::vector<std::string> tokens_;
    std::size_t at_ = 0;
};

}  // namespace

GuestOs read_guest_os(GuestFiles& files) {
    GuestOs os;
    auto text = files.read_file("/etc/os-release");
    if (!text) text = files.read_file("/usr/lib/os-release");
    if (!text) return os;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("ID=")) os.id = unquoted(line.substr(3));
        if (line.starts_with("VERSION_ID=")) os.version_id = unquoted(line.substr(11));
    }
    return os;
}

std::string package_url(profile::PackageManager manager, const GuestOs& os,
                        const InstalledPackage& package) {
    bool deb = manager == profile::PackageManager::apt;
    std::string version = package.version;
    std::map<std::string, std::string> qualifiers;  // sorted by key, as purl's canonical form
    if (!package.arch.empty() && package.arch != "(none)") qualifiers["arch"] = package.arch;
    if (!os.id.empty() && !os.version_id.empty())
        qualifiers["distro"] = os.id + "-" + os.version_id;
    if (std::size_t colon = version.find(':'); !deb && colon != std::string::npos) {
        qualifiers["epoch"] = version.substr(0, colon);  // rpm purls carry it apart
        version = version.substr(colon + 1);
    }
    std::string vendor = !os.id.empty() ? os.id : deb ? "debian" : "redhat";
    std::string url = std::string("pkg:") + (deb ? "deb" : "rpm") + "/" + percent_encoded(vendor) +
                      "/" + percent_encoded(package.name);
    if (!version.empty()) url += "@" + percent_encoded(version);
    char separator = '?';
    for (const auto& [key, value] : qualifiers) {
        url += separator + key + "=" + percent_encoded(value);
        separator = '&';
    }
    return url;
}

std::string spdx_license(const std::string& license) {
    return LicenseExpression(license).valid() ? license : kNoAssertion;
}

nlohmann::json make_spdx(const SbomInput& in) {
    const std::string image_id = "SPDXRef-Image";
    nlohmann::json image{{"SPDXID", image_id},
                         {"name", in.image_name},
                         {"downloadLocation", kNoAssertion},
                         {"filesAnalyzed", false},
                         {"licenseConcluded", kNoAssertion},
                         {"licenseDeclared", kNoAssertion},
                         {"copyrightText", kNoAssertion},
                         {"primaryPackagePurpose", "OPERATING-SYSTEM"}};
    if (!in.release.empty()) image["versionInfo"] = in.release;
    if (!in.image_file.empty()) image["packageFileName"] = in.image_file;
    if (!in.image_sha256.empty())
        image["checksums"] = {{{"algorithm", "SHA256"}, {"checksumValue", in.image_sha256}}};

    nlohmann::json packages = nlohmann::json::array({image});
    nlohmann::json relationships = nlohmann::json::array({{{"spdxElementId", "SPDXRef-DOCUMENT"},
                                                           {"relationshipType", "DESCRIBES"},
                                                           {"relatedSpdxElement", image_id}}});
    std::set<std::string> ids = {"SPDXRef-DOCUMENT", image_id};
    for (const auto& p : in.packages) {
        std::string id = "SPDXRef-Package-" + id_part(p.name) + "-" + id_part(p.arch);
        for (int n = 2; !ids.insert(id).second; ++n)
            id = "SPDXRef-Package-" + id_part(p.name) + "-" + id_part(p.arch) + "-" +
                 std::to_string(n);
        nlohmann::json package{
            {"SPDXID", id},
            {"name", p.name},
            {"versionInfo", p.version},
            {"downloadLocation", kNoAssertion},
            {"filesAnalyzed", false},
            {"licenseConcluded", kNoAssertion},
            {"licenseDeclared", p.license.empty() ? kNoAssertion : spdx_license(p.license)},
            {"copyrightText", kNoAssertion},
            {"externalRefs",
             {{{"referenceCategory", "PACKAGE-MANAGER"},
               {"referenceType", "purl"},
               {"referenceLocator", package_url(in.manager, in.os, p)}}}}};
        if (!p.source.empty()) package["sourceInfo"] = "built from source package " + p.source;
        packages.push_back(std::move(package));
        relationships.push_back({{"spdxElementId", image_id},
                                 {"relationshipType", "CONTAINS"},
                                 {"relatedSpdxElement", id}});
    }
    return {{"spdxVersion", "SPDX-2.3"},
            {"dataLicense", "CC0-1.0"},
            {"SPDXID", "SPDXRef-DOCUMENT"},
            {"name", in.image_name},
            {"documentNamespace",
             "https://kiln.invalid/spdx/" + percent_encoded(in.image_name) + "-" + in.digest},
            {"creationInfo",
             {{"created", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                                      fmt::gmtime(static_cast<std::time_t>(in.created)))},
              {"creators", {std::string("Tool: kiln-") + kVersion}}}},
            {"packages", packages},
            {"relationships", relationships}};
}

}  // namespace kiln::bake
