#include "export/ovf.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

#include "export/profile_export.hpp"
#include "export/verify/ovf_check.hpp"
#include "profile/loader.hpp"

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::exporter;

namespace {

OvfDisk sample_disk() {
    return {"pg-disk1.vmdk", 123456789, 8ULL << 30, 1ULL << 30};
}

pugi::xml_node path(const pugi::xml_document& doc, const char* xpath) {
    return doc.select_node(xpath).node();
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST(Ovf, HasEverySectionVsphereNeeds) {
    OvfSettings s;
    s.vm_name = "pg1";
    s.os_type = "centos7_64Guest";
    s.cpus = 4;
    s.memory_mb = 8192;
    s.scsi = "pvscsi";
    s.properties = {"hostname", "priority", "dcs", "postgres_password"};
    s.defaults = {{"priority", "100"}};
    std::string text = make_ovf(s, sample_disk());
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(text.c_str()));
    EXPECT_EQ(text.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);

    auto file = path(doc, "/Envelope/References/File");
    EXPECT_STREQ(file.attribute("ovf:href").value(), "pg-disk1.vmdk");
    EXPECT_STREQ(file.attribute("ovf:size").value(), "123456789");
    auto disk = path(doc, "/Envelope/DiskSection/Disk");
    EXPECT_STREQ(disk.attribute("ovf:capacity").value(), "8589934592");
    EXPECT_STREQ(disk.attribute("ovf:format").value(), kStreamOptimizedUri);
    EXPECT_STREQ(disk.attribute("ovf:populatedSize").value(), "1073741824");
    EXPECT_TRUE(path(doc, "/Envelope/NetworkSection/Network[@ovf:name='VM Network']"));

    auto os = path(doc, "/Envelope/VirtualSystem/OperatingSystemSection");
    EXPECT_STREQ(os.attribute("vmw:osType").value(), "centos7_64Guest");
    EXPECT_STREQ(os.attribute("ovf:id").value(), "107");

    auto hw = path(doc, "/Envelope/VirtualSystem/VirtualHardwareSection");
    EXPECT_STREQ(hw.attribute("ovf:transport").value(), "com.vmware.guestInfo");
    EXPECT_STREQ(hw.select_node("System/vssd:VirtualSystemType").node().text().get(), "vmx-13");
    EXPECT_STREQ(
        hw.select_node("Item[rasd:ResourceType='3']/rasd:VirtualQuantity").node().text().get(),
        "4");
    EXPECT_STREQ(
        hw.select_node("Item[rasd:ResourceType='4']/rasd:VirtualQuantity").node().text().get(),
        "8192");
    EXPECT_STREQ(
        hw.select_node("Item[rasd:ResourceType='6']/rasd:ResourceSubType").node().text().get(),
        "VirtualSCSI");
    EXPECT_STREQ(
        hw.select_node("Item[rasd:ResourceType='10']/rasd:ResourceSubType").node().text().get(),
        "VmxNet3");
    auto hdd = hw.select_node("Item[rasd:ResourceType='17']").node();
    EXPECT_STREQ(hdd.child("rasd:HostResource").text().get(), "ovf:/disk/vmdisk1");
    EXPECT_STREQ(hdd.child("rasd:Parent").text().get(), "3");

    auto props = doc.select_nodes("/Envelope/VirtualSystem/ProductSection/Property");
    ASSERT_EQ(props.size(), 4u);
    auto hostname = props[0].node();
    EXPECT_STREQ(hostname.attribute("ovf:key").value(), "kiln.hostname");
    EXPECT_STREQ(hostname.attribute("ovf:userConfigurable").value(), "true");
    EXPECT_STREQ(hostname.child("Label").text().get(), "Hostname");
    EXPECT_FALSE(hostname.attribute("ovf:password"));
    EXPECT_STREQ(props[1].node().attribute("ovf:value").value(), "100");
    EXPECT_STREQ(props[2].node().attribute("ovf:qualifiers").value(),
                 "ValueMap{\"etcd\",\"consul\",\"zookeeper\"}");
    EXPECT_STREQ(props[2].node().attribute("ovf:value").value(), "etcd");
    auto secret = props[3].node();
    EXPECT_STREQ(secret.attribute("ovf:key").value(), "kiln.postgres_password");
    EXPECT_STREQ(secret.attribute("ovf:password").value(), "true");
    EXPECT_STREQ(secret.attribute("ovf:value").value(), "");
}

// The node's data disk travels as an empty VMDK of its capacity (virt-v2v refuses a Disk with
// no file), attached beside the OS disk on the same controller. A Disk with a capacity and no
// file, as other exporters write it, is still accepted by kiln verify.
TEST(Ovf, DeclaresTheDataDiskOnTheSameController) {
    OvfSettings s;
    s.data_disk_bytes = 8ULL << 30;
    OvfDisk data{"node-disk2.vmdk", 655360, 8ULL << 30, 0};
    std::string text = make_ovf(s, sample_disk(), &data);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(text.c_str()));
    EXPECT_EQ(doc.select_nodes("/Envelope/References/File").size(), 2u);
    auto file = path(doc, "/Envelope/References/File[@ovf:id='file2']");
    ASSERT_TRUE(file);
    EXPECT_STREQ(file.attribute("ovf:href").value(), "node-disk2.vmdk");
    EXPECT_STREQ(file.attribute("ovf:size").value(), "655360");
    auto disk = path(doc, "/Envelope/DiskSection/Disk[@ovf:diskId='vmdisk2']");
    ASSERT_TRUE(disk);
    EXPECT_STREQ(disk.attribute("ovf:capacity").value(), "8589934592");
    EXPECT_STREQ(disk.attribute("ovf:fileRef").value(), "file2");
    auto item = path(doc,
                     "/Envelope/VirtualSystem/VirtualHardwareSection/Item"
                     "[rasd:HostResource='ovf:/disk/vmdisk2']");
    ASSERT_TRUE(item);
    EXPECT_STREQ(item.child("rasd:Parent").text().get(), "3");
    EXPECT_STREQ(item.child("rasd:AddressOnParent").text().get(), "1");

    VerifyReport report;
    auto facts = verify_detail::check_ovf(text, "node.ovf", report);
    EXPECT_TRUE(report.passed()) << report.format();
    EXPECT_EQ(facts.files.size(), 2u);

    pugi::xml_document without;
    ASSERT_TRUE(without.load_string(make_ovf(OvfSettings{}, sample_disk()).c_str()));
    EXPECT_FALSE(path(without, "/Envelope/DiskSection/Disk[@ovf:diskId='vmdisk2']"));
    EXPECT_THROW(make_ovf(s, sample_disk()), std::logic_error);
}

TEST(Ovf, AnEmptyDiskWithACapacityAndNoFileIsAccepted) {
    OvfSettings s;
    s.data_disk_bytes = 1ULL << 30;
    OvfDisk data{"node-disk2.vmdk", 1024, 1ULL << 30, 0};
    std::string text = make_ovf(s, sample_disk(), &data);
    for (std::string cut : {" ovf:fileRef=\"file2\"", " ovf:populatedSize=\"0\""}) {
        auto at = text.find(cut, text.find("vmdisk2"));
        ASSERT_NE(at, std::string::npos) << cut;
        text.erase(at, cut.size());
    }
    VerifyReport report;
    auto facts = verify_detail::check_ovf(text, "node.ovf", report);
    EXPECT_EQ(facts.empty_disks, 1u);
}

TEST(Ovf, ADiskWithNeitherFileNorCapacityIsAFault) {
    OvfSettings s;
    s.data_disk_bytes = 1ULL << 30;
    OvfDisk data{"node-disk2.vmdk", 1024, 1ULL << 30, 0};
    std::string text = make_ovf(s, sample_disk(), &data);
    for (std::string cut : {" ovf:fileRef=\"file2\"", " ovf:capacity=\"1073741824\""}) {
        auto at = text.find(cut, text.find("<DiskSection"));
        ASSERT_NE(at, std::string::npos) << cut;
        text.erase(at, cut.size());
    }
    VerifyReport report;
    verify_detail::check_ovf(text, "node.ovf", report);
    EXPECT_FALSE(report.passed());
    EXPECT_NE(report.format().find("vmdisk2 refers to no References/File"), std::string::npos)
        << report.format();
}

TEST(Ovf, EscapesTextAndIsDeterministic) {
    OvfSettings s;
    s.vm_name = "a<b>&\"c\"";
    s.annotation = "line & <more>";
    std::string a = make_ovf(s, sample_disk());
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(a.c_str()));
    EXPECT_STREQ(path(doc, "/Envelope/VirtualSystem/Name").text().get(), "a<b>&\"c\"");
    EXPECT_EQ(a, make_ovf(s, sample_disk()));
}

TEST(Ovf, RejectsSettingsVsphereWouldRefuse) {
    OvfSettings s;
    s.memory_mb = 1001;
    s.nic = "rtl8139";
    s.scsi = "buslogic";
    s.properties = {"hostname", "hostname", "nonsense"};
    s.defaults = {{"postgres_password", "x"}};
    auto problems = check_ovf_settings(s);
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    EXPECT_NE(all.find("multiple of 4"), std::string::npos) << all;
    EXPECT_NE(all.find("rtl8139"), std::string::npos) << all;
    EXPECT_NE(all.find("buslogic"), std::string::npos) << all;
    EXPECT_NE(all.find("listed twice"), std::string::npos) << all;
    EXPECT_NE(all.find("'nonsense' is not a node key"), std::string::npos) << all;
    EXPECT_NE(all.find("secret 'postgres_password'"), std::string::npos) << all;
    EXPECT_TRUE(check_ovf_settings(OvfSettings{}).empty());
}

// The OVF for a fixed profile, byte for byte.
TEST(Ovf, GoldenForFixedProfile) {
    const fs::path dir = fs::path(KILN_TEST_DATA) / "golden";
    SourceFiles sources;
    Report report;
    auto profile = profile::load((dir / "node.yml").string(), {}, sources, report);
    ASSERT_TRUE(profile) << report.format(&sources);
    const profile::Output* ova = nullptr;
    for (const auto& o : profile->outputs)
        if (o.format == profile::OutputFormat::ova) ova = &o;
    ASSERT_TRUE(ova && ova->ovf);
    OvfSettings settings = ovf_settings_for(*profile, *ova->ovf);
    EXPECT_TRUE(check_ovf_settings(settings).empty());
    std::string text = make_ovf(settings, sample_disk());
    const fs::path golden = dir / "node.ovf";
    if (std::getenv("KILN_UPDATE_GOLDEN")) {
        std::ofstream(golden, std::ios::binary) << text;
        GTEST_SKIP() << "rewrote " << golden;
    }
    EXPECT_EQ(text, read(golden)) << "KILN_UPDATE_GOLDEN=1 rewrites " << golden;
}
