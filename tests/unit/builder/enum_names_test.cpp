// Every enum of the profile model, of `kiln metadata` and of `kiln run` has one name per value.
#include <gtest/gtest.h>

#include "enum_names_check.hpp"
#include "metadata/formats.hpp"
#include "profile/profile.hpp"
#include "run/hardware.hpp"

namespace kiln {
namespace {

TEST(EnumNames, ProfileEnumsRoundTrip) {
    using namespace profile;
    test::expect_names_round_trip(PackageManager::dnf);
    test::expect_names_round_trip(BootstrapTool::yum);
    test::expect_names_round_trip(Filesystem::xfs);
    test::expect_names_round_trip(PartitionTable::mbr);
    test::expect_names_round_trip(Firmware::hybrid);
    test::expect_names_round_trip(OutputFormat::ova);
    test::expect_names_round_trip(OverlayKind::file);
}

TEST(EnumNames, RunHardwareKeepsItsCommandLineNames) {
    test::expect_names_round_trip(run::Hardware::vmware);
    EXPECT_EQ(enum_names<run::Hardware>(), (std::vector<std::string>{"virtio", "vmware"}));
}

TEST(EnumNames, MetadataFormatsKeepTheirCommandLineNames) {
    test::expect_names_round_trip(metadata::Format::fw_cfg);
    EXPECT_EQ(parse_enum<metadata::Format>("ovf-properties"), metadata::Format::ovf_properties);
    EXPECT_EQ(parse_enum<metadata::Format>("cloud-init"), metadata::Format::cloud_init);
}

}  // namespace
}  // namespace kiln
