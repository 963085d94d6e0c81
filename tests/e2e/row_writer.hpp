#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "cluster.hpp"

// Numbered rows written through the VIP (or straight to one node), one transaction each, while
// something happens to the cluster: which commits were acknowledged, by which server, when, and
// the longest wait between two of them.
namespace kiln_e2e {

// Where a writer's statements go: `run` executes one SQL statement; `server` names the node that
// acknowledged when the statement's output (the row's `inet_server_addr()`) does not.
struct WriteTarget {
    std::function<CommandResult(const std::string& sql)> run;
    std::string server;
};

// Through the VIP's primary port (haproxy routes to the leader).
inline WriteTarget through_the_vip(const Cluster& cluster) {
    return {[&cluster](const std::string& sql) { return cluster.psql_vip(sql, true, 15); }, ""};
}

// Straight to `node`'s own PostgreSQL, bypassing haproxy and the VIP (psql on the node over its
// socket, as postgres: the server is `node` itself).
inline WriteTarget straight_to(const Cluster& cluster, const Node& node) {
    return {[&cluster, node](const std::string& sql) {
                return cluster.ssh(
                    node, "sudo -u postgres psql -X -At -v ON_ERROR_STOP=1 -c \"" + sql + "\"", "",
                    15);
            },
            node.address};
}

class RowWriter {
public:
    struct Ack {
        int id;
        Clock::time_point sent, acked;
        std::string server;  // the address of the node that acknowledged
    };

    RowWriter(const Cluster& cluster, std::string table, int first_id = 1)
        : RowWriter(cluster, std::move(table), first_id, through_the_vip(cluster)) {}
    RowWriter(const Cluster& cluster, std::string table, int first_id, WriteTarget target)
        : cluster_(cluster),
          table_(std::move(table)),
          next_id_(first_id),
          target_(std::move(target)) {
        thread_ = std::thread([this] { loop(); });
    }
    ~RowWriter() { stop(); }
    RowWriter(const RowWriter&) = delete;
    RowWriter& operator=(const RowWriter&) = delete;

    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::size_t acknowledged() const {
        std::lock_guard lock(mutex_);
        return acked_.size();
    }
    std::vector<Ack> acks() const {
        std::lock_guard lock(mutex_);
        return acked_;
    }
    std::vector<int> acknowledged_ids() const {
        std::lock_guard lock(mutex_);
        std::vector<int> ids;
        for (const auto& a : acked_) ids.push_back(a.id);
        return ids;
    }
    // The first acknowledged write that was sent at or after `t`.
    std::optional<Clock::time_point> first_sent_after(Clock::time_point t) const {
        std::lock_guard lock(mutex_);
        for (const auto& a : acked_)
            if (a.sent >= t) return a.acked;
        return std::nullopt;
    }
    std::size_t acknowledged_after(Clock::time_point t) const {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& a : acked_) n += a.sent >= t;
        return n;
    }
    // The longest time between two consecutive acknowledgements, in seconds.
    double longest_gap() const {
        std::lock_guard lock(mutex_);
        double longest = 0;
        for (std::size_t i = 1; i < acked_.size(); ++i)
            longest = std::max(
                longest,
                std::chrono::duration<double>(acked_[i].acked - acked_[i - 1].acked).count());
        return longest;
    }

    // The acknowledged ids missing from `table` as the primary now sees it; nullopt when the
    // primary cannot be read.
    std::optional<std::vector<int>> lost() const {
        auto rows = cluster_.psql_vip("select id from " + table_);
        if (rows.exit_code != 0) return std::nullopt;
        std::set<int> present;
        std::istringstream lines(rows.out);
        for (std::string line; std::getline(lines, line);) present.insert(std::stoi(line));
        std::vector<int> missing;
        for (int id : acknowledged_ids())
            if (!present.contains(id)) missing.push_back(id);
        return missing;
    }

private:
    void loop() {
        for (int id = next_id_; !stop_; ++id) {
            auto sent = Clock::now();
            auto result = target_.run("insert into " + table_ + " (id) values (" +
                                      std::to_string(id) + ") returning inet_server_addr()");
            if (result.exit_code != 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            std::string server = result.out.substr(0, result.out.find_first_of("/\n"));
            std::lock_guard lock(mutex_);
            acked_.push_back({id, sent, Clock::now(), server.empty() ? target_.server : server});
        }
    }

    const Cluster& cluster_;
    std::string table_;
    int next_id_;
    WriteTarget target_;
    mutable std::mutex mutex_;
    std::vector<Ack> acked_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace kiln_e2e
