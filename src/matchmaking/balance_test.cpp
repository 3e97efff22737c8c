#include "balance.hpp"

#include <gtest/gtest.h>

#include <map>

namespace arena::matchmaking {
namespace {

// Team sizes and mean ratings of a split.
std::map<int, std::pair<int, double>> teams_of(const std::vector<BalanceParty>& parties, const TeamSplit& s) {
  std::map<int, std::pair<int, double>> out;
  for (std::size_t i = 0; i < parties.size(); ++i) {
    auto& [n, sum] = out[s.team_of[i]];
    n += parties[i].size;
    sum += parties[i].rating_sum;
  }
  for (auto& [t, v] : out) v.second /= v.first;
  return out;
}

TEST(Balance, SplitsFourSolosIntoTheFairestTwoTeams) {
  // 1000, 1100, 1900, 2000: the fair split pairs the extremes (gap 0), not the neighbours.
  const std::vector<BalanceParty> p{{1, 1000}, {1, 1100}, {1, 1900}, {1, 2000}};
  const auto s = balance_teams(p, 2, 2);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->gap, 0);
  EXPECT_EQ(s->team_of[0], s->team_of[3]);
  EXPECT_EQ(s->team_of[1], s->team_of[2]);
}

TEST(Balance, KeepsPartiesTogetherAndFillsEverySeat) {
  const std::vector<BalanceParty> p{{2, 3000}, {1, 1600}, {1, 1400}, {3, 4200}, {1, 1500}};
  const auto s = balance_teams(p, 2, 4);
  ASSERT_TRUE(s);
  const auto t = teams_of(p, *s);
  ASSERT_EQ(t.size(), 2u);
  for (const auto& [team, v] : t) EXPECT_EQ(v.first, 4) << team;
  EXPECT_LT(s->gap, 100);
}

TEST(Balance, RefusesPartiesThatCannotFit) {
  EXPECT_FALSE(balance_teams({{3, 4500}, {3, 4500}}, 2, 2));             // a party bigger than a team
  EXPECT_FALSE(balance_teams({{2, 3000}, {2, 3000}, {2, 3000}}, 2, 2));  // more players than seats
}

TEST(Balance, ManyPartiesStillGetASplitWithinTheStepBudget) {
  std::vector<BalanceParty> p;
  for (int i = 0; i < 40; ++i) p.push_back({1, 1000.0 + 25 * i});
  const auto s = balance_teams(p, 4, 10);  // far past 50,000 exhaustive steps: greedy or partial
  ASSERT_TRUE(s);
  for (const auto& [team, v] : teams_of(p, *s)) EXPECT_EQ(v.first, 10) << team;
}

}  // namespace
}  // namespace arena::matchmaking
