#include <gtest/gtest.h>

#include <random>

#include "cycles.hpp"
#include "four.hpp"

namespace arena::match {
namespace {

namespace json = boost::json;

std::vector<Seat> seats(int n) {
  std::vector<Seat> out;
  for (int i = 0; i < n; ++i) out.push_back({"u" + std::to_string(i), false, i});
  return out;
}

int place_of(const GameResult& r, int seat) {
  for (const auto& p : r.placements)
    if (p.seat == seat) return p.place;
  return -1;
}

json::object step(GameMode& g) {
  json::object d;
  g.tick(d);
  return d;
}

TEST(Cycles, ACycleThatHitsTheWallIsOutAndTheOtherWins) {
  Cycles g;
  g.start(seats(2), 1);
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
  g.start(seats(2), 1);
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
  g.start(seats(3), 1);
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
  g.start(seats(2), 1);
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
  g.start(seats(2), 1);
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
  g.start(seats(players), seed);
  std::vector<CyclesBot> bots(static_cast<std::size_t>(players));
  std::mt19937 rng(static_cast<unsigned>(seed));
  while (!g.over()) {
    for (int s = 0; s < players; ++s) {
      auto in = bots[static_cast<std::size_t>(s)].decide(g, s);
      if (!in.is_null()) g.input(s, in);
    }
    json::object d;
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
  g.start(seats(4), 9);
  step(g);
  const auto s = g.snapshot();
  EXPECT_EQ(s.at("w").as_int64(), 32);
  EXPECT_EQ(s.at("riders").as_array().size(), 4u);
  EXPECT_EQ(s.at("grid").as_string().size(), 32u * 32u);
  std::size_t trail = 0;
  for (char c : s.at("grid").as_string()) trail += c != '.' ? 1 : 0;
  EXPECT_EQ(trail, 8u);  // four start cells + four moves
}

TEST(Four, WinsDrawsTurnsAndTimeouts) {
  Four g;
  g.start(seats(2), 0);  // seat 0 starts
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
  EXPECT_TRUE(g.over());
  EXPECT_EQ(place_of(g.result(), 0), 1);
  EXPECT_EQ(place_of(g.result(), 1), 2);

  Four t;
  t.start(seats(2), 1);  // seat 1 starts and never moves
  for (int i = 0; i < Four::kTurnTicks; ++i) step(t);
  EXPECT_TRUE(t.over());
  EXPECT_EQ(place_of(t.result(), 0), 1);
  EXPECT_EQ(t.result().summary.at("reason").as_string(), "turn_timeout");

  Four f;
  f.start(seats(2), 0);
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
  g.start(seats(2), 3);
  FourBot a, b;
  for (int i = 0; i < 100 && !g.over(); ++i) {
    const int s = g.to_move();
    auto in = (s == 0 ? a : b).decide(g, s);
    ASSERT_FALSE(in.is_null());
    g.input(s, in);
  }
  EXPECT_TRUE(g.over());
  // A bot facing three in a row blocks it.
  Four h;
  h.start(seats(2), 0);
  for (int c : {0, 6, 1, 6, 2}) h.input(h.to_move(), json::object{{"column", c}});
  FourBot bot;
  EXPECT_EQ(bot.decide(h, 1).at("column").as_int64(), 3);
}

// Untrusted input: any JSON at all is either taken or refused with InputError, never anything else.
TEST(Games, AnyJsonInputIsTakenOrRefusedWithACode) {
  std::mt19937 rng(5);
  auto random_value = [&](auto&& self, int depth) -> json::value {
    switch (rng() % (depth > 2 ? 5 : 7)) {
      case 0: return nullptr;
      case 1: return static_cast<std::int64_t>(rng() % 21) - 10;
      case 2: return static_cast<double>(rng()) / 1e3;
      case 3: {
        static const char* words[] = {"left", "right", "up", "down", "turn", "dir", "column", "", "\xF0\x9F\x8E\xAE"};
        return json::string(words[rng() % 9]);
      }
      case 4: return static_cast<bool>(rng() % 2);
      case 5: {
        json::array a;
        for (int i = 0; i < static_cast<int>(rng() % 4); ++i) a.push_back(self(self, depth + 1));
        return a;
      }
      default: {
        json::object o;
        static const char* keys[] = {"turn", "dir", "column", "x"};
        for (int i = 0; i < static_cast<int>(rng() % 3); ++i) o[keys[rng() % 4]] = self(self, depth + 1);
        return o;
      }
    }
  };
  const auto games = builtin_games();
  for (const char* name : {"cycles", "four"}) {
    auto g = games.find(name)->make();
    g->start(seats(2), 3);
    int taken = 0;
    for (int i = 0; i < 5000 && !g->over(); ++i) {
      // Mostly garbage, now and then a well-formed input (which must still be taken after it).
      const bool good = i % 5 == 0;
      const int seat = good ? i % 2 : static_cast<int>(rng() % 4) - 1;
      const json::value in = !good ? random_value(random_value, 0)
                             : std::string(name) == "four"
                                 ? json::value(json::object{{"column", i % 7}})
                                 : json::value(json::object{{"turn", i % 2 ? "left" : "right"}});
      try {
        g->input(seat, in);
        ++taken;
      } catch (const InputError& e) {
        EXPECT_FALSE(e.code().empty());
      }
      if (i % 3 == 0) step(*g);
    }
    EXPECT_GT(taken, 0) << name;
  }
}

TEST(Registry, BuiltinGames) {
  auto r = builtin_games();
  ASSERT_NE(r.find("cycles"), nullptr);
  ASSERT_NE(r.find("four"), nullptr);
  EXPECT_EQ(r.find("nope"), nullptr);
  EXPECT_EQ(r.find("cycles")->tick_rate, 20);
  EXPECT_THROW(r.add(*r.find("four")), std::invalid_argument);
}

}  // namespace
}  // namespace arena::match
