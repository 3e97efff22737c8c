// cycles on its own: collisions, places, refused inputs, determinism, snapshots, events.
#include <gtest/gtest.h>

#include <random>

#include "arena/match/play.hpp"
#include "cycles.hpp"

namespace arena::match {
namespace {

namespace json = boost::json;

std::vector<Seat> seats(int n) {
  return play::seats(n, 0);
}

// Starts the game as a match would: its registered default settings and tick rate.
void begin(GameMode& g, const std::vector<Seat>& s, std::uint64_t seed) {
  static const GameRegistry games = builtin_games();
  play::start(g, *games.find("cycles"), s, seed);
}

using play::place_of;

json::object step(GameMode& g) {
  return play::tick(g).delta;
}

TEST(Cycles, ACycleThatHitsTheWallIsOutAndTheOtherWins) {
  Cycles g;
  begin(g, seats(2), 1);
  g.place(0, 0, 5, 3);   // at the left wall, facing left
  g.place(1, 10, 5, 1);  // open road to the right
  auto d = step(g);
  ASSERT_TRUE(d.contains("out"));
  EXPECT_EQ(d.at("out").as_array(), (json::array{0}));
  EXPECT_TRUE(g.over());
  const auto r = g.result();
  EXPECT_EQ(place_of(r, 1), 1);
  EXPECT_EQ(place_of(r, 0), 2);
}

TEST(Cycles, TrailsAreDeadlyIncludingYourOwn) {
  Cycles g;
  begin(g, seats(2), 1);
  g.place(0, 5, 5, 1);
  g.place(1, 20, 20, 1);
  step(g);                                      // 0 at (6,5), trail at (5,5) and (6,5)
  g.input(0, json::object{{"turn", "right"}});  // down
  step(g);                                      // (6,6)
  g.input(0, json::object{{"turn", "right"}});  // left
  step(g);                                      // (5,6)
  g.input(0, json::object{{"turn", "right"}});  // up: into its own trail at (5,5)
  auto d = step(g);
  ASSERT_TRUE(d.contains("out"));
  EXPECT_EQ(d.at("out").as_array(), (json::array{0}));
}

TEST(Cycles, SimultaneousDeathsShareAPlace) {
  Cycles g;
  begin(g, seats(3), 1);
  g.place(0, 4, 5, 1);    // → (5,5)
  g.place(1, 6, 5, 3);    // → (5,5): same cell, both out
  g.place(2, 20, 20, 0);  // survives
  auto d = step(g);
  ASSERT_EQ(d.at("out").as_array().size(), 2u);
  EXPECT_TRUE(g.over());
  const auto r = g.result();
  EXPECT_EQ(place_of(r, 2), 1);
  EXPECT_EQ(place_of(r, 0), 2);
  EXPECT_EQ(place_of(r, 1), 2);
}

TEST(Cycles, HeadOnSwapTakesBothOut) {
  Cycles g;
  begin(g, seats(2), 1);
  g.place(0, 5, 5, 1);  // → (6,5)
  g.place(1, 6, 5, 3);  // → (5,5)
  auto d = step(g);
  EXPECT_EQ(d.at("out").as_array().size(), 2u);
  EXPECT_TRUE(g.over());
  EXPECT_EQ(place_of(g.result(), 0), 1);  // a draw: both first
  EXPECT_EQ(place_of(g.result(), 1), 1);
}

TEST(Cycles, BadInputsAreRefusedWithCodes) {
  Cycles g;
  begin(g, seats(2), 1);
  auto code = [&](int seat, const json::value& d) {
    try {
      g.input(seat, d);
    } catch (const InputError& e) {
      return e.code();
    }
    return std::string("accepted");
  };
  const int dir = g.riders()[0].dir;
  static const char* names[] = {"up", "right", "down", "left"};
  EXPECT_EQ(code(0, json::object{{"dir", names[(dir + 2) % 4]}}), "invalid_input");  // reversing
  EXPECT_EQ(code(0, json::object{{"turn", "sideways"}}), "invalid_input");
  EXPECT_EQ(code(0, json::value(42)), "invalid_input");
  EXPECT_EQ(code(7, json::object{{"turn", "left"}}), "invalid_seat");
  EXPECT_EQ(code(1, json::object{{"turn", "left"}}), "accepted");
  EXPECT_EQ(code(1, json::object{{"turn", "left"}}), "invalid_input");  // two lefts in one tick: a reversal
  EXPECT_EQ(code(1, json::object{{"turn", "right"}}), "accepted");
  EXPECT_EQ(code(1, json::object{{"turn", "right"}}), "too_fast");
  g.forfeit(0);
  EXPECT_TRUE(g.over());
  EXPECT_EQ(code(1, json::object{{"turn", "left"}}), "match_over");
}

// Same seed and inputs: same end, same hash. Bots drive all seats, with random extra inputs.
std::pair<std::uint64_t, std::uint64_t> play(std::uint64_t seed, int players) {
  Cycles g;
  begin(g, seats(players), seed);
  std::vector<CyclesBot> bots(static_cast<std::size_t>(players));
  std::mt19937 rng(static_cast<unsigned>(seed));
  while (!g.over()) {
    for (int s = 0; s < players; ++s) {
      auto in = bots[static_cast<std::size_t>(s)].choose(g, s);
      if (!in.is_null()) g.input(s, in);
    }
    TickOutput d;
    g.tick(d);
  }
  return {g.state_hash(), g.tick_count()};
}

TEST(Cycles, DeterministicGivenSeedAndInputs) {
  const auto a = play(42, 8);
  const auto b = play(42, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(play(43, 8).first, a.first);
  EXPECT_GT(a.second, 20u);  // bots that avoid walls ride a while
}

TEST(Cycles, SnapshotDescribesTheWholeState) {
  Cycles g;
  begin(g, seats(4), 9);
  step(g);
  const auto s = g.snapshot(0);
  EXPECT_EQ(s.at("w").as_int64(), 32);
  EXPECT_EQ(s.at("riders").as_array().size(), 4u);
  EXPECT_EQ(s.at("grid").as_string().size(), 32u * 32u);
  std::size_t trail = 0;
  for (char c : s.at("grid").as_string()) trail += c != '.' ? 1 : 0;
  EXPECT_EQ(trail, 8u);  // four start cells + four moves
}

TEST(Cycles, SettingsChangeTheGridAndTheClockAndCrashesAreEvents) {
  static const GameRegistry games = builtin_games();
  const GameInfo& info = *games.find("cycles");
  Cycles g;
  play::start(g, info, seats(2), 1, {{"size", "16"}, {"max_seconds", 2}});  // strings as a TOML file gives them
  EXPECT_EQ(g.width(), 16);
  EXPECT_EQ(g.max_ticks(), 40);  // 2 s at 20 Hz
  g.place(0, 0, 5, 3);           // facing the left wall
  g.place(1, 10, 5, 1);
  (void)g.take_events();
  step(g);
  const auto events = g.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "cycles.crash");
  EXPECT_EQ(events[0].data.at("cause").as_string(), "wall");
  EXPECT_EQ(events[0].data.at("seat").as_int64(), 0);
  // A value the declaration does not take names its key.
  try {
    play::start(g, info, seats(2), 1, {{"size", 500}});
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.key(), "size");
  }
  EXPECT_THROW(play::start(g, info, seats(2), 1, {{"sise", 20}}), SettingError);
}

TEST(Cycles, TheStartPostsForASeedAreTheSameOnEveryToolchain) {
  // Fixed by the portable Random (xoshiro256**): a change here breaks every stored cycles replay,
  // so it comes with a bump of the game's rules version.
  Cycles g;
  begin(g, seats(4), 12345);
  std::vector<std::array<int, 3>> posts;
  for (const auto& r : g.riders()) posts.push_back({r.x, r.y, r.dir});
  Cycles again;
  begin(again, seats(4), 12345);
  for (std::size_t i = 0; i < posts.size(); ++i)
    EXPECT_EQ(posts[i], (std::array<int, 3>{again.riders()[i].x, again.riders()[i].y, again.riders()[i].dir}));
  EXPECT_EQ(Random(12345).next(), 0xBE6A36374160D49BULL);  // pinned: see random_test.cpp
}

}  // namespace
}  // namespace arena::match
