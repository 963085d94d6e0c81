#pragma once

#include <algorithm>
#include <iomanip>
#include <optional>
#include <regex>
#include <sstream>

#include "cluster.hpp"

// Where a node's bring-up time went, from its power-on: the firmware and kernel (host clock
// against the guest's uptime), kiln-firstboot's stages and unit starts (its status.json
// timeline), and the cluster's own milestones from the journal (etcd ready, Patroni's bootstrap
// or basebackup, first role, keepalived's VIP).
namespace kiln_e2e {

struct Milestone {
    std::string name;
    double start = 0;  // seconds since the guest's kernel started
    std::optional<double> end;
};

// The journal lines that mark the cluster's milestones: the first match of each, in order.
inline const std::vector<std::pair<std::string, std::string>> kJournalMilestones = {
    {"etcd ready", "ready to serve client requests"},
    {"patroni initdb done", "initialized a new cluster"},
    {"patroni basebackup done", "replica has been created using basebackup"},
    {"patroni leader", "I am \\([^)]*\\), the leader with the lock"},
    {"patroni streaming replica", "a secondary, and following a leader"},
    {"keepalived MASTER (VIP here)", "Entering MASTER STATE"},
};

// One line per milestone, in seconds since `powered_on` (the host's `kiln run --start`).
inline std::string node_timeline(const Cluster& cluster, const Node& node,
                                 Clock::time_point powered_on) {
    std::string grep;
    for (const auto& [name, pattern] : kJournalMilestones)
        grep += (grep.empty() ? "" : "|") + pattern;
    // Uptime is sampled right after the command starts: the host's clock of that moment, minus
    // the uptime, is when the kernel started.
    auto asked_at = Clock::now();
    auto r = cluster.ssh(node,
                         "cut -d' ' -f1 /proc/uptime; sudo cat /run/kiln/status.json; echo; "
                         "echo JOURNAL; sudo journalctl -b -o short-monotonic --no-pager "
                         "-u etcd -u consul -u patroni -u keepalived | "
                         "grep -E '" +
                             grep + "'");
    if (r.exit_code != 0) return node.name + ": no timeline (" + r.out + ")";
    std::istringstream in(r.out);
    double uptime = 0;
    in >> uptime;
    std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto split = rest.find("\nJOURNAL\n");
    if (split == std::string::npos) return node.name + ": no timeline";
    const double kernel_at = seconds_since(powered_on) - seconds_since(asked_at) - uptime;

    std::vector<Milestone> milestones = {{"firmware (power-on -> kernel)", -kernel_at, 0.0}};
    auto status = nlohmann::json::parse(rest.substr(0, split), nullptr, false);
    if (status.is_object())
        for (const auto& span : status.value("timeline", nlohmann::json::array()))
            milestones.push_back({"first boot: " + span.value("name", ""), span.value("start", 0.0),
                                  span.contains("end")
                                      ? std::optional<double>(span.value("end", 0.0))
                                      : std::nullopt});
    std::istringstream journal(rest.substr(split + 9));
    std::vector<std::string> seen;
    std::vector<std::regex> patterns;  // compiled once, not once per journal line
    for (const auto& milestone : kJournalMilestones)
        patterns.emplace_back(milestone.second, std::regex::extended);
    for (std::string line; std::getline(journal, line);) {
        // "[   12.345678] host unit[pid]: message"
        auto close = line.find(']');
        if (line.empty() || line[0] != '[' || close == std::string::npos) continue;
        double at = std::strtod(line.c_str() + 1, nullptr);
        for (std::size_t i = 0; i < kJournalMilestones.size(); ++i) {
            const std::string& name = kJournalMilestones[i].first;
            if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
            if (!std::regex_search(line, patterns[i])) continue;
            seen.push_back(name);
            milestones.push_back({name, at, std::nullopt});
        }
    }
    std::stable_sort(milestones.begin(), milestones.end(),
                     [](const Milestone& a, const Milestone& b) { return a.start < b.start; });
    std::ostringstream out;
    out << std::fixed << std::setprecision(1);
    for (const auto& m : milestones) {
        out << "e2e: timeline: " << node.name << " " << std::setw(6) << m.start + kernel_at;
        if (m.end)
            out << " .. " << std::setw(6) << *m.end + kernel_at;
        else
            out << "         ";
        out << "  " << m.name << "\n";
    }
    return out.str();
}

}  // namespace kiln_e2e
