#pragma once

#include <gtest/gtest.h>

#include <iostream>

#include "cluster.hpp"
#include "cluster_files.hpp"
#include "row_writer.hpp"

namespace kiln_e2e {

struct LeaderCrash {
    std::string old_leader;
    std::string new_leader;
    double seconds = -1;  // the kill -> the first acknowledged write sent after QEMU was gone
    std::vector<int> acknowledged;
    std::optional<std::vector<int>> lost;  // nullopt: the new leader could not be read
};

// Numbered rows go into `table` through the VIP, one transaction each, while the leader's VM is
// killed (`kiln run --kill`). A write in flight at the kill does not count toward the failover
// time. Failures to set up are gtest failures in the caller's test.
inline LeaderCrash crash_the_leader_under_writes(const Cluster& cluster,
                                                 const std::filesystem::path& state,
                                                 const std::string& table) {
    using namespace std::chrono_literals;
    LeaderCrash crash;
    RowWriter writer(cluster, table);
    bool flowing = wait_until([&] { return writer.acknowledged() >= 20; }, 5min, 1s);
    crash.old_leader = cluster.leader();
    EXPECT_TRUE(flowing) << "writes through the VIP did not flow";
    EXPECT_FALSE(crash.old_leader.empty());
    if (!flowing || crash.old_leader.empty()) return crash;

    auto killed_at = Clock::now();
    auto kill =
        run_command({kKiln, "run", "--kill", crash.old_leader, "--state-dir", state.string()});
    auto gone_at = Clock::now();
    EXPECT_EQ(kill.exit_code, 0) << kill.out;
    bool resumed =
        wait_until([&] { return writer.first_sent_after(gone_at).has_value(); }, 8min, 1s);
    // A few more rows on the new leader, then stop.
    wait_until([&] { return writer.acknowledged_after(gone_at) >= 10; }, 2min, 1s);
    writer.stop();
    EXPECT_TRUE(resumed) << "no write was accepted after killing " << crash.old_leader;
    if (resumed) {
        crash.seconds =
            std::chrono::duration<double>(*writer.first_sent_after(gone_at) - killed_at).count();
        std::cout << "e2e: kill " << crash.old_leader
                  << " (leader) -> writes accepted again: " << static_cast<int>(crash.seconds)
                  << " s" << std::endl;
    }
    crash.new_leader = cluster.leader(crash.old_leader);
    crash.acknowledged = writer.acknowledged_ids();
    crash.lost = writer.lost();
    EXPECT_FALSE(crash.new_leader.empty());
    EXPECT_NE(crash.new_leader, crash.old_leader);
    EXPECT_TRUE(crash.lost.has_value()) << "the new leader cannot be read";
    if (crash.lost) {
        EXPECT_TRUE(crash.lost->empty()) << crash.lost->size() << " acknowledged rows lost";
        std::cout << "e2e: " << crash.acknowledged.size()
                  << " rows acknowledged, all present: " << crash.lost->empty() << std::endl;
    }
    return crash;
}

}  // namespace kiln_e2e
