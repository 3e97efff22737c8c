#include "seat_plan.hpp"

#include <gtest/gtest.h>

namespace arena::match {
namespace {

GameInfo game(int min, int max) {
  GameInfo g;
  g.name = "g";
  g.min_players = min;
  g.max_players = max;
  return g;
}

protocol::MatchFound found(std::vector<std::vector<std::string>> teams, bool fill, int seats, int team_size) {
  protocol::MatchFound f;
  f.match_id = "m";
  f.mode = "x";
  f.game = "g";
  for (auto& t : teams) {
    auto& out = f.teams.emplace_back();
    for (auto& u : t) out.push_back({u, 1500, 20, ""});
  }
  f.bots_fill = fill;
  f.seats = seats;
  f.team_size = team_size;
  return f;
}

std::string describe(const std::vector<Seat>& seats) {
  std::string s;
  for (const auto& seat : seats)
    s += (seat.bot ? std::string("bot") : seat.user_id) + "@" + std::to_string(seat.team) + " ";
  return s;
}

TEST(SeatPlan, BotsJoinTheShortTeamsOfATeamMode) {
  // 4v4 with five humans (3 + 2) after the bot wait: bots complete each team, not teams of their own.
  const auto seats = plan_seats(found({{"a", "b", "c"}, {"d", "e"}}, true, 8, 4), game(2, 8));
  EXPECT_EQ(describe(seats), "a@0 b@0 c@0 d@1 e@1 bot@0 bot@1 bot@1 ");
}

TEST(SeatPlan, FreeForAllBotsAreEachATeamOfTheirOwn) {
  const auto seats = plan_seats(found({{"a"}}, true, 4, 0), game(1, 8));  // practice: one player, three bots
  EXPECT_EQ(describe(seats), "a@0 bot@1 bot@2 bot@3 ");
}

TEST(SeatPlan, WithoutBotFillOnlyThePlayersSitUnlessTheGameNeedsMore) {
  EXPECT_EQ(describe(plan_seats(found({{"a"}, {"b"}}, false, 2, 1), game(2, 2))), "a@0 b@1 ");
  // A game that needs two players gets a bot for a lone player even without bot fill.
  EXPECT_EQ(describe(plan_seats(found({{"a"}}, false, 1, 0), game(2, 2))), "a@0 bot@1 ");
}

TEST(SeatPlan, NeverMoreSeatsThanTheGameTakes) {
  const auto seats = plan_seats(found({{"a", "b"}, {"c", "d"}}, true, 8, 4), game(2, 3));
  EXPECT_EQ(describe(seats), "a@0 b@0 c@1 ");
}

}  // namespace
}  // namespace arena::match
