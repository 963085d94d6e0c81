// kiln run's view of a Patroni cluster, and the switchover and rolling decisions taken from it.
#include "run/patroni_view.hpp"

#include <gtest/gtest.h>

#include "kiln/error.hpp"

using namespace kiln::run;

namespace {

// pg1 leads, pg2 is the synchronous standby, pg3 an asynchronous replica.
const std::string kCluster = R"({"members": [
  {"name": "pg1", "role": "leader", "state": "running", "api_url": "http://10.77.0.11:8008/patroni", "timeline": 1},
  {"name": "pg2", "role": "sync_standby", "state": "running", "lag": 0},
  {"name": "pg3", "role": "replica", "state": "running", "lag": 16}]})";

const std::string kLeaderStatus = R"({"state": "running", "role": "master", "replication": [
  {"usename": "replicator", "application_name": "pg2", "state": "streaming", "sync_state": "sync"},
  {"usename": "replicator", "application_name": "pg3", "state": "streaming", "sync_state": "async"}]})";

ClusterView view() {
    ClusterView v = parse_cluster(kCluster);
    v.streaming = parse_streaming(kLeaderStatus);
    return v;
}

}  // namespace

TEST(PatroniView, ReadsMembersRolesAndLag) {
    ClusterView v = view();
    ASSERT_EQ(v.members.size(), 3u);
    ASSERT_NE(v.leader(), nullptr);
    EXPECT_EQ(v.leader()->name, "pg1");
    EXPECT_FALSE(v.members[0].lag.has_value());
    EXPECT_EQ(v.member("pg3")->lag, 16);
    EXPECT_EQ(v.streaming, (std::set<std::string>{"pg2", "pg3"}));
    EXPECT_THROW(parse_cluster("{}"), kiln::Error);
}

TEST(PatroniView, HealthyNeedsARunningLeaderAndEveryOtherMemberStreaming) {
    ClusterView v = view();
    EXPECT_TRUE(v.healthy(3)) << v.health_summary(3);
    EXPECT_FALSE(v.healthy(4));
    EXPECT_EQ(v.health_summary(4), "3 of 4 members registered");

    v.streaming.erase("pg3");
    EXPECT_FALSE(v.healthy(3));
    EXPECT_EQ(v.health_summary(3), "pg3 not streaming");

    ClusterView stopped = view();
    stopped.members[1].state = "starting";
    EXPECT_EQ(stopped.health_summary(3), "pg2 starting");

    ClusterView headless = view();
    headless.members[0].role = "replica";
    EXPECT_EQ(headless.health_summary(3), "no leader");
}

TEST(PatroniView, SwitchoverGoesToAStreamingSynchronousStandby) {
    auto c = switchover_candidate(view());
    ASSERT_TRUE(c.name.has_value()) << c.why_none;
    EXPECT_EQ(*c.name, "pg2");
}

TEST(PatroniView, NoSwitchoverToAnAsynchronousReplica) {
    ClusterView v = view();
    v.streaming.erase("pg2");  // the sync standby is not streaming: pg3 is only async
    auto c = switchover_candidate(v);
    EXPECT_FALSE(c.name.has_value());
    EXPECT_NE(c.why_none.find("synchronous standby"), std::string::npos);
}

TEST(PatroniView, RollingReplacesReplicasFirstAndTheLeaderLast) {
    EXPECT_EQ(rolling_order(view(), {"pg3", "pg1", "pg2"}),
              (std::vector<std::string>{"pg2", "pg3", "pg1"}));
    ClusterView v = view();
    v.members[0].role = "replica";
    v.members[2].role = "leader";
    EXPECT_EQ(rolling_order(v, {"pg1", "pg2", "pg3"}),
              (std::vector<std::string>{"pg1", "pg2", "pg3"}));
}
