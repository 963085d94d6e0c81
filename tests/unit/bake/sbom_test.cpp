// NAME.spdx.json against the SPDX 2.3 rules its consumers check (the JSON schema's required
// fields and patterns, unique ids, relationships that resolve, purl syntax), and the package
// database fields it is made from.
#include "bake/sbom.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <regex>
#include <set>

#include "kiln/version.hpp"

using namespace kiln;
using namespace kiln::bake;
using nlohmann::json;

namespace {

bool is_string(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty();
}

// purl: pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS, each part percent-encoded, qualifiers
// sorted by key.
std::optional<std::string> purl_problem(const std::string& purl) {
    static const std::regex shape(
        R"(^pkg:[a-z][a-z0-9.+-]*/([A-Za-z0-9.\-_~]|%[0-9A-F]{2})+/([A-Za-z0-9.\-_~]|%[0-9A-F]{2})+)"
        R"((@([A-Za-z0-9.\-_~]|%[0-9A-F]{2})+)?(\?[a-z][a-z0-9.\-_]*=([A-Za-z0-9.\-_~]|%[0-9A-F]{2})+)"
        R"((&[a-z][a-z0-9.\-_]*=([A-Za-z0-9.\-_~]|%[0-9A-F]{2})+)*)?$)");
    if (!std::regex_match(purl, shape)) return "malformed purl " + purl;
    std::vector<std::string> keys;
    if (auto q = purl.find('?'); q != std::string::npos) {
        std::string rest = purl.substr(q + 1);
        for (std::size_t at = 0; at < rest.size();) {
            std::size_t end = rest.find('&', at);
            if (end == std::string::npos) end = rest.size();
            keys.push_back(rest.substr(at, rest.find('=', at) - at));
            at = end + 1;
        }
    }
    if (!std::is_sorted(keys.begin(), keys.end())) return "unsorted qualifiers in " + purl;
    return std::nullopt;
}

// Every rule an SPDX 2.3 consumer (the JSON schema, spdx-tools' validation) applies to what kiln
// writes; the problems found, none for a valid document.
std::vector<std::string> spdx_problems(const json& doc) {
    std::vector<std::string> problems;
    auto expect = [&](bool ok, const std::string& what) {
        if (!ok) problems.push_back(what);
    };
    static const std::regex id_pattern("^SPDXRef-[A-Za-z0-9.-]+$");
    static const std::regex created_pattern(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)");
    static const std::regex hex64("^[0-9a-f]{64}$");
    static const std::regex uri(R"(^[a-z][a-z0-9+.-]*://[^\s#]+$)");
    static const std::set<std::string> relationship_types = {"DESCRIBES", "CONTAINS", "DEPENDS_ON",
                                                             "GENERATED_FROM"};
    static const std::set<std::string> categories = {"SECURITY",        "PACKAGE-MANAGER",
                                                     "PACKAGE_MANAGER", "PERSISTENT-ID",
                                                     "PERSISTENT_ID",   "OTHER"};
    expect(doc.value("spdxVersion", "") == "SPDX-2.3", "spdxVersion");
    expect(doc.value("dataLicense", "") == "CC0-1.0", "dataLicense");
    expect(doc.value("SPDXID", "") == "SPDXRef-DOCUMENT", "document SPDXID");
    expect(is_string(doc, "name"), "document name");
    expect(is_string(doc, "documentNamespace") &&
               std::regex_match(doc["documentNamespace"].get<std::string>(), uri),
           "documentNamespace must be a URI without '#'");
    const json& info = doc.value("creationInfo", json::object());
    expect(is_string(info, "created") &&
               std::regex_match(info["created"].get<std::string>(), created_pattern),
           "creationInfo.created");
    expect(info.contains("creators") && info["creators"].is_array() && !info["creators"].empty(),
           "creationInfo.creators");
    for (const auto& c : info.value("creators", json::array()))
        expect(c.is_string() && (c.get<std::string>().starts_with("Tool: ") ||
                                 c.get<std::string>().starts_with("Organization: ") ||
                                 c.get<std::string>().starts_with("Person: ")),
               "creator " + c.dump());

    std::set<std::string> ids = {"SPDXRef-DOCUMENT"};
    for (const auto& p : doc.value("packages", json::array())) {
        std::string id = p.value("SPDXID", "");
        expect(std::regex_match(id, id_pattern), "SPDXID pattern: " + id);
        expect(ids.insert(id).second, "duplicate SPDXID " + id);
        expect(is_string(p, "name"), id + ": name");
        expect(is_string(p, "downloadLocation"), id + ": downloadLocation");
        expect(p.value("filesAnalyzed", true) == false || p.contains("packageVerificationCode"),
               id + ": files analysed without a verification code");
        for (const char* key : {"licenseDeclared", "licenseConcluded"})
            expect(!p.contains(key) || is_string(p, key), id + ": " + key);
        for (const auto& c : p.value("checksums", json::array()))
            expect(c.value("algorithm", "") == "SHA256" &&
                       std::regex_match(c.value("checksumValue", ""), hex64),
                   id + ": checksum " + c.dump());
        for (const auto& ref : p.value("externalRefs", json::array())) {
            expect(categories.contains(ref.value("referenceCategory", "")),
                   id + ": referenceCategory");
            expect(is_string(ref, "referenceType") && is_string(ref, "referenceLocator"),
                   id + ": externalRef fields");
            if (ref.value("referenceType", "") == "purl")
                if (auto problem = purl_problem(ref.value("referenceLocator", "")))
                    problems.push_back(id + ": " + *problem);
        }
    }
    bool describes = false;
    for (const auto& r : doc.value("relationships", json::array())) {
        std::string from = r.value("spdxElementId", ""), to = r.value("relatedSpdxElement", "");
        std::string type = r.value("relationshipType", "");
        expect(ids.contains(from), "relationship from unknown " + from);
        expect(ids.contains(to), "relationship to unknown " + to);
        expect(relationship_types.contains(type), "relationship type " + type);
        describes = describes || (from == "SPDXRef-DOCUMENT" && type == "DESCRIBES");
    }
    expect(describes, "the document DESCRIBES nothing");
    return problems;
}

SbomInput debian_input() {
    SbomInput in;
    in.image_name = "debian12-patroni";
    in.release = "2";
    in.manager = profile::PackageManager::apt;
    in.os = {"debian", "12"};
    in.packages = {{"bash", "5.2.15-2+b8", "amd64", "bash", ""},
                   {"libstdc++6", "12.2.0-14+deb12u1", "amd64", "gcc-12", ""},
                   {"libstdc--6", "1", "amd64", "", ""},  // the same SPDX id as libstdc++6
                   {"tzdata", "2024a-0+deb12u1", "all", "tzdata", ""},
                   {"python3-six", "1:1.16.0-4", "all", "six", ""}};
    in.image_file = "debian12-patroni.qcow2";
    in.image_sha256 = in.digest = std::string(64, 'a');
    in.created = 1700000000;
    return in;
}

std::vector<json> packages_named(const json& doc, const std::string& name) {
    std::vector<json> out;
    for (const auto& p : doc["packages"])
        if (p["name"] == name) out.push_back(p);
    return out;
}

TEST(Sbom, ADebianImageIsAValidSpdxDocument) {
    json doc = make_spdx(debian_input());
    EXPECT_EQ(spdx_problems(doc), std::vector<std::string>{});
    EXPECT_EQ(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
    EXPECT_EQ(doc["creationInfo"]["creators"][0], std::string("Tool: kiln-") + kVersion);
    EXPECT_EQ(doc["documentNamespace"],
              "https://kiln.invalid/spdx/debian12-patroni-" + std::string(64, 'a'));
    ASSERT_EQ(doc["packages"].size(), 6u);  // the image and five packages
    const json& image = doc["packages"][0];
    EXPECT_EQ(image["checksums"][0]["checksumValue"], std::string(64, 'a'));
    EXPECT_EQ(image["packageFileName"], "debian12-patroni.qcow2");
    EXPECT_EQ(image["versionInfo"], "2");
    std::size_t contains = 0;
    for (const auto& r : doc["relationships"])
        contains += r["relationshipType"] == "CONTAINS" && r["spdxElementId"] == image["SPDXID"];
    EXPECT_EQ(contains, 5u);

    json six = packages_named(doc, "python3-six").at(0);
    EXPECT_EQ(six["versionInfo"], "1:1.16.0-4");
    EXPECT_EQ(six["licenseDeclared"], "NOASSERTION");  // dpkg does not know licenses
    EXPECT_EQ(six["sourceInfo"], "built from source package six");
    EXPECT_EQ(six["externalRefs"][0]["referenceCategory"], "PACKAGE-MANAGER");
    EXPECT_EQ(six["externalRefs"][0]["referenceLocator"],
              "pkg:deb/debian/python3-six@1%3A1.16.0-4?arch=all&distro=debian-12");
    EXPECT_EQ(packages_named(doc, "libstdc++6").at(0)["externalRefs"][0]["referenceLocator"],
              "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12");
    EXPECT_NE(packages_named(doc, "libstdc++6").at(0)["SPDXID"],
              packages_named(doc, "libstdc--6").at(0)["SPDXID"]);
    EXPECT_EQ(make_spdx(debian_input()), doc) << "the same build, the same document";
}

TEST(Sbom, AnElImageCarriesEpochsLicensesAndItsVendor) {
    SbomInput in = debian_input();
    in.manager = profile::PackageManager::dnf;
    in.os = {"rocky", "9.4"};
    in.packages = {{"bash", "5.1.8-9.el9", "x86_64", "bash", "GPL-3.0-or-later"},
                   {"openssl-libs", "1:3.0.7-27.el9", "x86_64", "openssl", "Apache-2.0"},
                   {"glibc", "2.34-100.el9", "x86_64", "glibc",
                    "LGPLv2+ and LGPLv2+ with exceptions and GPLv2+"},
                   {"gpg-pubkey", "350d275d-6279f5b0", "(none)", "", "pubkey"}};
    json doc = make_spdx(in);
    EXPECT_EQ(spdx_problems(doc), std::vector<std::string>{});
    json ssl = packages_named(doc, "openssl-libs").at(0);
    EXPECT_EQ(ssl["externalRefs"][0]["referenceLocator"],
              "pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rocky-9.4&epoch=1");
    EXPECT_EQ(ssl["licenseDeclared"], "Apache-2.0");
    EXPECT_EQ(packages_named(doc, "glibc").at(0)["licenseDeclared"], "NOASSERTION");
    EXPECT_EQ(packages_named(doc, "gpg-pubkey").at(0)["licenseDeclared"], "NOASSERTION");
}

// The validator is not blind: a broken id, a dangling relationship and a raw ':' in a purl
// are each found.
TEST(Sbom, TheValidatorFindsWhatConsumersRefuse) {
    json doc = make_spdx(debian_input());
    doc["packages"][1]["SPDXID"] = "SPDXRef-bad id";
    doc["relationships"][1]["relatedSpdxElement"] = "SPDXRef-Nowhere";
    doc["packages"][2]["externalRefs"][0]["referenceLocator"] = "pkg:deb/debian/x@1:2";
    doc["packages"][3]["SPDXID"] = doc["packages"][4]["SPDXID"];
    std::string found = ::testing::PrintToString(spdx_problems(doc));
    for (const char* problem :
         {"SPDXID pattern: SPDXRef-bad id", "relationship to unknown SPDXRef-Nowhere",
          "malformed purl pkg:deb/debian/x@1:2", "duplicate SPDXID"})
        EXPECT_NE(found.find(problem), std::string::npos) << problem << " in " << found;
}

TEST(Sbom, LicensesAreSpdxExpressionsOrNoAssertion) {
    for (const char* valid : {"MIT", "GPL-2.0-or-later", "GPL-2.0-only OR MIT",
                              "(LGPL-2.1-or-later AND BSD-3-Clause) OR Apache-2.0",
                              "GPL-2.0-or-later WITH GCC-exception-2.0", "LGPL-2.1+"})
        EXPECT_EQ(spdx_license(valid), valid);
    for (const char* old : {"GPLv2+", "ASL 2.0", "GPLv2+ and BSD", "Public Domain", "MIT and",
                            "(MIT", "MIT)", "LicenseRef-x1", ""})
        EXPECT_EQ(spdx_license(old), "NOASSERTION") << old;
}

TEST(Sbom, PackageListGivesSourcesAndLicenses) {
    auto list = parse_package_list(
        "ii \tlibc6\t2.36-9+deb12u4\tamd64\tglibc\t\n"
        "ii \tbash\t0:5.1.8-9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\tGPLv3+\n"
        "ii \tgpg-pubkey\t0:350d275d-6279f5b0\t(none)\t(none)\tpubkey\n");
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].name, "bash");
    EXPECT_EQ(list[0].source, "bash");
    EXPECT_EQ(list[0].license, "GPLv3+");
    EXPECT_EQ(list[2].name, "libc6");
    EXPECT_EQ(list[2].source, "glibc");
    EXPECT_EQ(list[2].license, "");
    EXPECT_EQ(list[1].source, "");
    EXPECT_EQ(source_package_name("python-six-1.15.0-9.el9.src.rpm"), "python-six");
}

}  // namespace
