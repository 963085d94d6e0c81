// How a node's etcd member starts: never a second cluster beside a running one.
#include "dcs/etcd_join.hpp"

#include <gtest/gtest.h>

#include "kiln/error.hpp"

using namespace kiln::firstboot;

namespace {

const std::string kSelfUrl = "http://10.77.0.13:2380";

EtcdJoinFacts facts(bool data, std::optional<std::vector<EtcdMember>> running,
                    bool configured = false, bool founder = false) {
    return {data, std::move(running), "pg3", kSelfUrl, configured, founder};
}

std::vector<EtcdMember> three(const std::string& third_name, std::uint64_t third_id = 0x33) {
    return {{0x11, "pg1", {"http://10.77.0.11:2380"}},
            {0x22, "pg2", {"http://10.77.0.12:2380"}},
            {third_id, third_name, {kSelfUrl}}};
}

}  // namespace

TEST(EtcdJoin, MemberDataMeansEtcdRejoinsAsItself) {
    auto plan = plan_etcd_join(facts(true, three("pg3"), true));
    EXPECT_EQ(plan.start, EtcdStart::member_data);
    EXPECT_FALSE(plan.add_self);
    EXPECT_FALSE(plan.remove_stale);
}

TEST(EtcdJoin, TheFounderFoundsWhenNoClusterAnswersAtItsFirstBoot) {
    auto plan = plan_etcd_join(facts(false, std::nullopt, false, true));
    EXPECT_EQ(plan.start, EtcdStart::found);
}

TEST(EtcdJoin, AnyOtherNodeWaitsForTheFoundersCluster) {
    auto plan = plan_etcd_join(facts(false, std::nullopt, false, false));
    EXPECT_EQ(plan.start, EtcdStart::wait);
    EXPECT_NE(plan.reason.find("founder"), std::string::npos) << plan.reason;
}

TEST(EtcdJoin, AFounderThatWasConfiguredBeforeNeverFoundsAgain) {
    auto plan = plan_etcd_join(facts(false, std::nullopt, true, true));
    EXPECT_EQ(plan.start, EtcdStart::wait);
}

TEST(EtcdJoin, AFounderWhoseClusterRunsWithoutItJoinsIt) {
    // Re-imaged with a blank data disk while the others kept the cluster going.
    auto plan = plan_etcd_join(facts(false, three("pg3"), false, true));
    EXPECT_EQ(plan.start, EtcdStart::join);
    EXPECT_TRUE(plan.add_self);
    EXPECT_TRUE(plan.remove_stale);
}

TEST(EtcdJoin, AConfiguredNodeThatLostItsDataWaitsRatherThanFoundingASecondCluster) {
    auto plan = plan_etcd_join(facts(false, std::nullopt, true));
    EXPECT_EQ(plan.start, EtcdStart::wait);
    EXPECT_NE(plan.reason.find("waiting"), std::string::npos);
}

TEST(EtcdJoin, AFounderThatCameLateJoinsTheFormedClusterWithoutAdding) {
    // pg1 and pg2 formed the cluster; pg3 is listed (never started, no name).
    auto plan = plan_etcd_join(facts(false, three(""), false));
    EXPECT_EQ(plan.start, EtcdStart::join);
    EXPECT_FALSE(plan.add_self);
    EXPECT_FALSE(plan.remove_stale);
}

TEST(EtcdJoin, ANodeWhoseMemberDataIsGoneReplacesItsStaleMember) {
    auto plan = plan_etcd_join(facts(false, three("pg3", 0xabc), true));
    EXPECT_EQ(plan.start, EtcdStart::join);
    EXPECT_TRUE(plan.add_self);
    ASSERT_TRUE(plan.remove_stale.has_value());
    EXPECT_EQ(*plan.remove_stale, 0xabcu);
}

TEST(EtcdJoin, AStaleMemberIsFoundByNameWhenItsAddressChanged) {
    std::vector<EtcdMember> members = three("pg3");
    members[2].peer_urls = {"http://10.77.0.99:2380"};
    auto plan = plan_etcd_join(facts(false, members, true));
    ASSERT_TRUE(plan.remove_stale.has_value());
    EXPECT_EQ(*plan.remove_stale, 0x33u);
    EXPECT_TRUE(plan.add_self);
}

TEST(EtcdJoin, ANewNodeIsAdded) {
    std::vector<EtcdMember> members = three("pg3");
    members.pop_back();
    auto plan = plan_etcd_join(facts(false, members, false));
    EXPECT_EQ(plan.start, EtcdStart::join);
    EXPECT_TRUE(plan.add_self);
    EXPECT_FALSE(plan.remove_stale);
}

TEST(EtcdJoin, MemberListJsonIsRead) {
    auto members = parse_member_list(
        R"({"header":{"cluster_id":1,"member_id":2,"raft_term":3},"members":[)"
        R"({"ID":12345678901234567890,"name":"pg1","peerURLs":["http://10.77.0.11:2380"],)"
        R"("clientURLs":["http://10.77.0.11:2379"]},{"ID":42,"peerURLs":["http://10.77.0.13:2380"]}]})");
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].id, 12345678901234567890ull);
    EXPECT_EQ(members[0].name, "pg1");
    EXPECT_EQ(members[1].name, "");
    EXPECT_EQ(members[1].peer_urls, std::vector<std::string>{"http://10.77.0.13:2380"});
    EXPECT_THROW(parse_member_list("{\"members\": 3}"), kiln::Error);
    EXPECT_THROW(parse_member_list("not json"), kiln::Error);
}

TEST(EtcdJoin, InitialClusterForAJoinListsExactlyTheMembership) {
    std::vector<EtcdMember> members = {{0x11, "pg1", {"http://10.77.0.11:2380"}},
                                       {0x2f, "", {"http://10.77.0.12:2380"}},
                                       {0x33, "", {kSelfUrl}}};
    EXPECT_EQ(initial_cluster_for_join(members, "pg3", kSelfUrl),
              "pg1=http://10.77.0.11:2380,unstarted-2f=http://10.77.0.12:2380,"
              "pg3=http://10.77.0.13:2380");
    members.pop_back();
    EXPECT_EQ(initial_cluster_for_join(members, "pg3", kSelfUrl),
              "pg1=http://10.77.0.11:2380,unstarted-2f=http://10.77.0.12:2380,"
              "pg3=http://10.77.0.13:2380");
}

TEST(EtcdJoin, MemberIdsAreHexForEtcdctl) {
    EXPECT_EQ(member_id_hex(0x8e9e05c52164694dull), "8e9e05c52164694d");
}
