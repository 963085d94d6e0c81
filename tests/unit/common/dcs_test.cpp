// The DCS table both programs read: which unit a chosen server starts, in which place.
#include "kiln/dcs.hpp"

#include <gtest/gtest.h>

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
