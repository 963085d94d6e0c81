#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>

#include "kiln/enum_names.hpp"

namespace kiln::test {

// Every enumerator from the first to `last` has one name that parses back to it, the table
// names nothing else, and the "one of ..." hint lists every name.
template <NamedEnum E>
void expect_names_round_trip(E last) {
    using Underlying = std::underlying_type_t<E>;
    std::set<std::string> names;
    std::string hint = one_of<E>();
    for (Underlying i = 0; i <= static_cast<Underlying>(last); ++i) {
        E value = static_cast<E>(i);
        std::string name = to_string(value);
        EXPECT_NE(name, "?") << "enumerator " << i << " has no name";
        EXPECT_EQ(parse_enum<E>(name), value) << name;
        EXPECT_NE(hint.find(name), std::string::npos) << hint << " lacks " << name;
        EXPECT_TRUE(names.insert(name).second) << name << " names two values";
    }
    EXPECT_EQ(name_table(E{}).size(), names.size());
    EXPECT_FALSE(parse_enum<E>("no such name"));
    EXPECT_FALSE(parse_enum<E>(""));
}

}  // namespace kiln::test
