// four on its own: wins, draws, turns, the turn clock (a setting), its bot.
#include <gtest/gtest.h>

#include "arena/match/play.hpp"
#include "four.hpp"

namespace arena::match {
namespace {

namespace json = boost::json;

std::vector<Seat> seats(int n) {
  return play::seats(n, 0);
}

// Starts the game as a match would: its registered default settings and tick rate.
void begin(GameMode& g, const std::vector<Seat>& s, std::uint64_t seed) {
  static const GameRegistry games = builtin_games();
  play::start(g, *games.find("four"), s, seed);
}

using play::place_of;

json::object step(GameMode& g) {
  return play::tick(g).delta;
}

TEST(Four, WinsDrawsTurnsAndTimeouts) {
  Four g;
  begin(g, seats(2), 0);  // seat 0 starts
  auto drop = [&](int seat, int col) { g.input(seat, json::object{{"column", col}}); };
  try {
    drop(1, 3);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), "not_your_turn");
  }
  // 0 builds a vertical four in column 0 while 1 plays column 1.
  for (int i = 0; i < 3; ++i) {
    drop(0, 0);
    drop(1, 1);
  }
  EXPECT_TRUE(g.wins_with(0, 0));
  drop(0, 0);
  EXPECT_TRUE(g.decided());
  EXPECT_FALSE(g.over());  // not until the next tick announces the deciding move
  try {
    drop(1, 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), "match_over");
  }
  const auto last = step(g);
  EXPECT_EQ(last.at("column").as_int64(), 0);
  EXPECT_EQ(last.at("winner").as_int64(), 0);
  EXPECT_TRUE(g.over());
  EXPECT_EQ(place_of(g.result(), 0), 1);
  EXPECT_EQ(place_of(g.result(), 1), 2);

  Four t;
  begin(t, seats(2), 1);  // seat 1 starts and never moves
  for (int i = 0; i < t.turn_ticks(); ++i) step(t);
  EXPECT_TRUE(t.over());
  EXPECT_EQ(place_of(t.result(), 0), 1);
  EXPECT_EQ(t.result().summary.at("reason").as_string(), "turn_timeout");

  Four f;
  begin(f, seats(2), 0);
  f.input(0, json::object{{"column", 2}});
  for (int i = 1; i < Four::kRows; ++i) f.input(i % 2, json::object{{"column", 2}});
  try {
    f.input(0, json::object{{"column", 2}});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.code(), "column_full");
  }
}

TEST(Four, BotsPlayToTheEndAndBlockWins) {
  Four g;
  begin(g, seats(2), 3);
  FourBot a, b;
  for (int i = 0; i < 100 && !g.decided(); ++i) {
    const int s = g.to_move();
    auto in = (s == 0 ? a : b).choose(g, s);
    ASSERT_FALSE(in.is_null());
    g.input(s, in);
  }
  step(g);
  EXPECT_TRUE(g.over());
  // A bot facing three in a row blocks it.
  Four h;
  begin(h, seats(2), 0);
  for (int c : {0, 6, 1, 6, 2}) h.input(h.to_move(), json::object{{"column", c}});
  FourBot bot;
  EXPECT_EQ(bot.choose(h, 1).at("column").as_int64(), 3);
}

TEST(Four, TheTurnClockIsASettingInSeconds) {
  static const GameRegistry games = builtin_games();
  Four g;
  play::start(g, *games.find("four"), seats(2), 1, {{"turn_seconds", 5}});
  EXPECT_EQ(g.turn_ticks(), 5);  // at four's 1 Hz
  for (int i = 0; i < 4; ++i) step(g);
  EXPECT_FALSE(g.over());
  step(g);
  EXPECT_TRUE(g.over());
  EXPECT_EQ(g.result().summary.at("reason").as_string(), "turn_timeout");
}

}  // namespace
}  // namespace arena::match
