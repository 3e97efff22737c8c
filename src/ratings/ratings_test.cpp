// What a match does to ratings: who moves, bots left out, displayed ratings, applied once.
#include "arena/ratings/ratings.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace arena::ratings {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

const Change* of(const std::vector<Change>& cs, const std::string& user) {
  return change_of(cs, user);
}

TEST(Ratings, ADuelMovesTheWinnerUpAndTheLoserDown) {
  const auto cs = rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {"b", false, 1, 2}}, {}, kNow);
  ASSERT_EQ(cs.size(), 2u);
  const auto* a = of(cs, "a");
  const auto* b = of(cs, "b");
  EXPECT_EQ(a->before, 800);  // fresh: 1500 - 2 x 350
  EXPECT_GT(a->after.display, a->before);
  EXPECT_LT(b->after.display, b->before);
  EXPECT_EQ(a->outcome, "win");
  EXPECT_EQ(b->outcome, "loss");
  EXPECT_EQ(a->after.games, 1);
  EXPECT_EQ(a->after.wins, 1);
  EXPECT_EQ(b->after.losses, 1);
  EXPECT_NEAR(a->after.rating - 1500, 1500 - b->after.rating, 1e-9);  // symmetric for equals
  // A draw between equals moves no rating, only the deviations.
  const auto draw = rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {"b", false, 1, 1}}, {}, kNow);
  EXPECT_NEAR(of(draw, "a")->after.rating, 1500, 1e-9);
  EXPECT_EQ(of(draw, "a")->outcome, "draw");
}

TEST(Ratings, BotsAreNotRatedAndMoveNobody) {
  // Practice: one player and three bots: nothing changes.
  EXPECT_TRUE(rate_match("practice", Model::weng_lin,
                         {{"a", false, 0, 2}, {"", true, 1, 1}, {"", true, 2, 3}, {"", true, 3, 4}}, {}, kNow)
                  .empty());
  // Two players and two bots in a free-for-all: only the players, ranked among themselves.
  const auto cs = rate_match("ffa", Model::weng_lin,
                             {{"a", false, 0, 3}, {"", true, 1, 1}, {"b", false, 2, 2}, {"", true, 3, 4}}, {}, kNow);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_LT(of(cs, "a")->after.rating, 25);
  EXPECT_GT(of(cs, "b")->after.rating, 25);
  EXPECT_EQ(of(cs, "b")->outcome, "win");
  // A team with a bot: the player is rated on the player's own skill.
  const auto squad =
      rate_match("squads", Model::weng_lin,
                 {{"a", false, 0, 1}, {"", true, 0, 1}, {"b", false, 1, 2}, {"c", false, 1, 2}}, {}, kNow);
  EXPECT_EQ(squad.size(), 3u);
}

TEST(Ratings, StrongPlayersGainLessFromBeatingWeakOnesAndIdleDeviationGrows) {
  std::map<std::string, PlayerRating> current;
  auto strong = fresh("s", "duel", Model::glicko2);
  strong.rating = 2000, strong.deviation = 60, strong.last_played = kNow - 1000;
  auto weak = fresh("w", "duel", Model::glicko2);
  weak.rating = 1200, weak.deviation = 60, weak.last_played = kNow - 1000;
  current["s"] = strong;
  current["w"] = weak;
  const auto expected = rate_match("duel", Model::glicko2, {{"s", false, 0, 1}, {"w", false, 1, 2}}, current, kNow);
  const auto upset = rate_match("duel", Model::glicko2, {{"s", false, 0, 2}, {"w", false, 1, 1}}, current, kNow);
  EXPECT_LT(of(expected, "s")->after.rating - 2000, 2000 - of(upset, "s")->after.rating);
  // A year away: the deviation grew before the update.
  current["s"].last_played = kNow - 365LL * 24 * 3600 * 1000;
  const auto back = rate_match("duel", Model::glicko2, {{"s", false, 0, 1}, {"w", false, 1, 2}}, current, kNow);
  EXPECT_GT(of(back, "s")->after.deviation, of(expected, "s")->after.deviation);
}

}  // namespace
}  // namespace arena::ratings
