#include "kiln/grammar.hpp"

#include <gtest/gtest.h>

using namespace kiln::grammar;

TEST(Grammar, HostnameFollowsRfc1123) {
    EXPECT_FALSE(hostname("pg-1"));
    EXPECT_FALSE(hostname("pg-1.example.com"));
    EXPECT_TRUE(hostname("-pg"));
    EXPECT_TRUE(hostname("pg_1"));
    EXPECT_TRUE(hostname(std::string(64, 'a')));
    EXPECT_TRUE(hostname("pg\nrogue"));
}
