// The DCS table both programs read: which unit a chosen server starts, in which place.
#include "kiln/dcs.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace kiln;

TEST(Dcs, TheChosenServerTakesThePlaceOfTheFirstServerUnitAndTheOthersLeave) {
    const dcs::Server& zookeeper = *dcs::find("zookeeper");
    // An image.yml from before the choice lists etcd.service first.
    EXPECT_EQ(
        dcs::start_order({"etcd.service", "patroni.service", "haproxy.service"}, zookeeper),
        (std::vector<std::string>{"zookeeper.service", "patroni.service", "haproxy.service"}));
    EXPECT_EQ(dcs::start_order({"patroni.service", "consul.service", "etcd.service"}, zookeeper),
              (std::vector<std::string>{"patroni.service", "zookeeper.service"}));
}

TEST(Dcs, AStartOrderWithNoServerUnitStartsTheChosenOneFirst) {
    EXPECT_EQ(dcs::start_order({"patroni.service"}, *dcs::find("consul")),
              (std::vector<std::string>{"consul.service", "patroni.service"}));
}

TEST(Dcs, EveryMetadataChoiceIsAServer) {
    for (const char* name : {"etcd", "zookeeper", "consul"}) EXPECT_TRUE(dcs::find(name)) << name;
    EXPECT_FALSE(dcs::find("redis"));
    EXPECT_EQ(dcs::names(), "one of etcd, zookeeper, consul");
}

// systemd masks a unit with a link in /etc/systemd/system; a unit file of that name there makes
// MaskUnitFiles fail (UnitExists), and first boot with it. Overlays install units elsewhere.
TEST(Dcs, NoBundledOverlayPutsAServerUnitWhereMaskingItWouldFail) {
    const std::filesystem::path overlays = std::string(KILN_SOURCE_DIR) + "/overlays";
    std::size_t units_seen = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(overlays)) {
        std::string name = entry.path().filename().string();
        if (!dcs::is_server_unit(name)) continue;
        ++units_seen;
        EXPECT_EQ(entry.path().string().find("/etc/systemd/system/"), std::string::npos)
            << entry.path() << ": install it under usr/lib/systemd/system";
    }
    EXPECT_GE(units_seen, 1u) << "the bundled zookeeper.service overlay was not found";
}
