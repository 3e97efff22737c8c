// tag through the engine only (the registry, the runner, snapshots as JSON), as a game team
// tests its own game: the checks, the fog of war, the clock in seconds, tags as events.
#include <gtest/gtest.h>

#include "arena/match/play.hpp"

namespace arena::match {
namespace {

namespace json = boost::json;

const GameInfo& tag() {
  static const GameRegistry games = builtin_games();
  return *games.find("tag");
}

TEST(Tag, PassesTheGameChecks) {
  const auto problems = play::check_game(tag(), 2);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST(Tag, LastsItsSecondsAtItsRateAndCountsTagsBothWays) {
  // A small open grid: "it" catches someone within ten seconds.
  const auto spec = play::spec(tag(), play::seats(0, 3), 4, {{"size", 8}, {"seconds", 10}, {"pillars", 0}});
  const auto out = play::self_play(tag(), spec);
  EXPECT_TRUE(out.ended);
  EXPECT_EQ(out.record.ticks, 100u);  // 10 s at tag's 10 Hz
  std::int64_t tags = 0, tagged = 0;
  for (const auto& p : out.record.result.placements) {
    tags += p.stats.at("tags").as_int64();
    tagged += p.stats.at("tagged").as_int64();
  }
  EXPECT_GT(tags, 0);
  EXPECT_EQ(tags, tagged);
  std::size_t events = 0;
  for (const auto& e : out.record.events) events += e.type == "tag.tagged" ? 1 : 0;
  EXPECT_EQ(static_cast<std::int64_t>(events), tags);
}

TEST(Tag, PlayersSeeOnlyWhatIsInSightAndSpectatorsThePublicView) {
  MatchRunner m(play::spec(tag(), play::seats(4, 0), 8, {{"size", 40}, {"sight", 2}, {"pillars", 0}}), tag());
  const auto spectator = m.snapshot(kSpectator);
  EXPECT_FALSE(spectator.contains("seen"));  // no runner's position
  EXPECT_TRUE(spectator.contains("it"));     // "it" is public
  EXPECT_EQ(spectator.at("scores").as_array().size(), 4u);
  const int it = static_cast<int>(spectator.at("it").at("seat").as_int64());
  for (int seat = 0; seat < 4; ++seat) {
    const auto view = m.snapshot(seat);
    const auto& seen = view.at("seen").as_array();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen[0].as_array()[0].as_int64(), seat);  // itself first
    // Spread along the border of a 40-cell grid, no runner is within two cells of another: each
    // sees itself and "it" (public), nobody else.
    std::size_t others = 0;
    for (const auto& s : seen) {
      const auto who = s.as_array()[0].as_int64();
      others += who != seat && who != it ? 1 : 0;
    }
    EXPECT_EQ(others, 0u) << "seat " << seat << " sees through the fog";
    EXPECT_EQ(seen.size(), seat == it ? 1u : 2u);
  }
  // Per tick: the public part for everyone, each seat's own part for that seat only.
  const auto out = m.step();
  EXPECT_TRUE(out.delta.contains("it"));
  EXPECT_FALSE(out.delta.contains("seen"));
  ASSERT_EQ(out.own_parts.size(), 4u);
  EXPECT_EQ(out.own_parts.at(it).at("seen").as_array().size(), 1u);
}

TEST(Tag, RefusesBadInputsWithCodes) {
  MatchRunner m(play::spec(tag(), play::seats(2, 0), 1), tag());
  m.set_checked(true);
  auto code = [&](int seat, const json::value& d) {
    try {
      m.input(seat, d);
    } catch (const InputError& e) {
      return e.code();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(code(0, json::object{{"dir", "up"}}), "accepted");
  EXPECT_EQ(code(0, json::object{{"dir", "sideways"}}), "invalid_input");
  EXPECT_EQ(code(0, json::value(3)), "invalid_input");
  EXPECT_EQ(code(0, json::object{{"dir", "left"}}), "accepted");
  EXPECT_EQ(code(0, json::object{{"dir", "down"}}), "too_fast");
  EXPECT_EQ(code(5, json::object{{"dir", "up"}}), "invalid_seat");
}

}  // namespace
}  // namespace arena::match
