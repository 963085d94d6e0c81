// Every action's digest covers every member its executor reads: each action type of a real plan
// is changed one member at a time. Members listed as inputs or as part of the name must change
// the digest; members listed as unhashed (paths whose content another member digests, error
// locations) must not. A member missing from `fields` fails the member count.
#include <gtest/gtest.h>

#include <set>

#include "plan/planner.hpp"
#include "profile/loader.hpp"

using namespace kiln;
using namespace kiln::plan;

namespace {

// The number of members of an aggregate: the most initialisers it accepts.
struct AnyMember {
    template <class T>
    operator T() const;  // NOLINT: implicit on purpose
};
template <class T, class... Initialisers>
constexpr std::size_t member_count() {
    if constexpr (requires { T{Initialisers{}..., AnyMember{}}; })
        return member_count<T, Initialisers..., AnyMember>();
    else
        return sizeof...(Initialisers);
}

// One change per member type.
void change(Text& t) {
    t.value += "x";
}
void change(std::optional<Text>& t) {
    t = Text{(t ? t->value : "") + "x", {}};
}
void change(TextList& list) {
    list.push_back({"x", {}});
}
void change(bool& flag) {
    flag = !flag;
}
void change(int& number) {
    ++number;
}
void change(std::int64_t& number) {
    ++number;
}
void change(profile::Located<unsigned long long>& number) {
    ++number.value;
}
void change(HostContent& content) {
    content.digest += "x";
}
void change(std::filesystem::path& path) {
    path += "x";
}
void change(Location& where) {
    ++where.line;
}
void change(std::map<std::string, Text>& map) {
    map["x"] = {"y", {}};
}
void change(std::map<std::string, std::string>& map) {
    map["x"] = "y";
}
void change(failover::Timing& timing) {
    ++timing.ttl;
}
void change(const sysprep::Operation*& op) {
    auto all = sysprep::operations();
    op = op == &all.back() ? &all.front() : op + 1;
}
template <class Enum>
requires std::is_enum_v<Enum>
void change(Enum& value) {
    value = static_cast<Enum>(static_cast<int>(value) + 1);
    if (to_string(value) == "?") value = Enum{};
}
// A group that is always there (its members are walked one by one too): change its first member.
template <class Group>
requires HasFields<Group>
void change(Group& group) {
    bool done = false;
    Group::fields(group, [&](auto, auto& member) {
        if (!done) change(member);
        done = true;
    });
}
template <class Group>
void change(std::optional<Group>& group) {
    if (group)
        group.reset();
    else
        group.emplace();
}

enum class Role { input, naming, unhashed };
Role role_of(Input) {
    return Role::input;
}
Role role_of(Naming) {
    return Role::naming;
}
Role role_of(Unhashed) {
    return Role::unhashed;
}

// Walks the members in `fields` order (into present groups), changing the one numbered
// `target`; counts them and checks each group's member count on the way.
struct ChangeOne {
    explicit ChangeOne(std::size_t member) : target(member) {}

    std::size_t target;
    std::size_t seen = 0;
    std::optional<Role> changed;

    template <class RoleTag, class T>
    void operator()(RoleTag role, T& member) {
        if (seen++ == target) {
            change(member);
            changed = role_of(role);
        }
        if constexpr (OptionalGroup<T>) {
            if (member) visit_group(*member);
        } else if constexpr (HasFields<T>) {
            visit_group(member);
        }
    }
    template <class Group>
    void visit_group(Group& group) {
        std::size_t before = seen;
        Group::fields(group, *this);
        EXPECT_EQ(seen - before, member_count<Group>()) << "a member of a group is not listed";
    }
};

template <class A>
void expect_every_member_in_the_digest(const A& sample, const std::string& name) {
    SCOPED_TRACE(name);
    const std::string digest = digest_of(sample);
    ChangeOne count(static_cast<std::size_t>(-1));
    A copy = sample;
    A::fields(copy, count);
    std::size_t top_level = 0;
    A::fields(copy, [&](auto, auto&) { ++top_level; });
    EXPECT_EQ(top_level, member_count<A>()) << "a member is not listed in fields()";
    for (std::size_t i = 0; i < count.seen; ++i) {
        A changed = sample;
        ChangeOne one(i);
        A::fields(changed, one);
        ASSERT_TRUE(one.changed);
        if (*one.changed == Role::unhashed)
            EXPECT_EQ(digest_of(changed), digest) << "member " << i << " is not an input";
        else
            EXPECT_NE(digest_of(changed), digest) << "member " << i << " misses the digest";
    }
}

profile::Profile load(const std::string& name) {
    SourceFiles sources;
    Report report;
    auto p = profile::load(std::string(KILN_SOURCE_DIR) + "/profiles/" + name, {}, sources, report);
    if (!p) throw std::runtime_error(name + " does not load:\n" + report.format(&sources));
    return *p;
}

TEST(ActionDigest, EveryMemberOfEveryActionCounts) {
    std::vector<Operation> samples;
    for (const char* profile :
         {"debian12-patroni.yml", "centos7-patroni.yml", "rocky9-patroni.yml"}) {
        Plan plan = make_plan(load(profile), {});
        samples.insert(samples.end(), plan.operations.begin(), plan.operations.end());
    }
    // No bundled profile has build steps.
    samples.push_back(
        {Stage::scripts,
         RunScript{{"step", {}}, {"/bin/sh", {}}, {"true", {}}, {}, {{"A", {"b", {}}}}},
         "",
         {},
         ""});
    std::set<std::size_t> covered;
    for (const auto& op : samples) {
        covered.insert(op.action.index());
        std::visit([&](const auto& a) { expect_every_member_in_the_digest(a, op.name()); },
                   op.action);
    }
    EXPECT_EQ(covered.size(), std::variant_size_v<Action>)
        << "the bundled profiles no longer plan every action: add a sample";
}

TEST(ActionDigest, IsTheDigestThePlanShows) {
    Plan plan = make_plan(load("debian12-patroni.yml"), {});
    for (const auto& op : plan.operations) EXPECT_EQ(op.digest, digest_of(op.action)) << op.name();
}

}  // namespace
