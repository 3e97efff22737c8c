#include "arena/matchmaking/matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "arena/core/error.hpp"

namespace arena::matchmaking {
namespace {

using namespace std::chrono_literals;

ModeConfig duel() {
  ModeConfig m;
  m.name = "duel";
  m.regions = {"eu", "us"};
  m.max_ping_ms = 200;
  m.ping_slack_ms = 20;
  m.ping_widen_ms_per_s = 10;
  m.rating_window = 100;
  m.rating_widen_per_s = 50;
  m.rating_window_max = 400;
  m.bots_after = 0ms;
  m.ticket_ttl = 60s;
  return m;
}

ModeConfig squads() {
  ModeConfig m = duel();
  m.name = "squads";
  m.team_size = 2;
  return m;
}

struct Fixture {
  explicit Fixture(std::vector<ModeConfig> modes)
      : m(std::move(modes), clock, [this] { return "id" + std::to_string(++ids); }) {}
  core::FakeClock clock;
  int ids = 0;
  Matcher m;

  std::string solo(const std::string& user, double rating, std::map<std::string, int> pings = {{"eu", 30}},
                   const std::string& mode = "duel") {
    return m.enqueue({mode, {{user, rating}}, std::move(pings), {}, {}});
  }
  std::vector<FormedMatch> tick() {
    m.tick();
    return m.take_matches();
  }
};

std::set<std::string> users_of(const FormedMatch& fm) {
  std::set<std::string> out;
  for (const auto& team : fm.teams)
    for (const auto& p : team) out.insert(p.user_id);
  return out;
}

TEST(Matcher, TwoCloseSoloPlayersInOneRegionAreMatched) {
  Fixture f({duel()});
  f.solo("a", 1500);
  f.solo("b", 1550);
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].region, "eu");
  EXPECT_EQ(users_of(matches[0]), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(matches[0].teams.size(), 2u);
  EXPECT_DOUBLE_EQ(matches[0].rating_spread, 50);
  EXPECT_FALSE(matches[0].bots_fill);
  EXPECT_EQ(f.m.waiting(), 0u);
  // Both were told: queued, then found with the match id.
  auto events = f.m.take_events();
  int found = 0;
  for (const auto& e : events)
    if (e.state == TicketState::found) {
      ++found;
      EXPECT_EQ(e.match_id, matches[0].match_id);
    }
  EXPECT_EQ(found, 2);
}

TEST(Matcher, TheRatingWindowWidensWithWaiting) {
  Fixture f({duel()});
  f.solo("a", 1500);
  f.solo("b", 1760);  // 260 apart: needs both windows >= 260, i.e. (260-100)/50 = 3.2 s of waiting
  EXPECT_TRUE(f.tick().empty());
  f.clock.advance(3s);
  EXPECT_TRUE(f.tick().empty());
  f.clock.advance(300ms);
  EXPECT_EQ(f.tick().size(), 1u);
}

TEST(Matcher, TheWindowStopsAtItsCeiling) {
  Fixture f({duel()});
  f.solo("a", 1000);
  f.solo("b", 1500);  // 500 apart; the ceiling is 400
  f.clock.advance(50s);
  EXPECT_TRUE(f.tick().empty());
  // Searching updates carry the widened window, capped.
  f.m.take_events();
  f.clock.advance(5s);
  f.m.tick();
  auto events = f.m.take_events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].state, TicketState::searching);
  EXPECT_DOUBLE_EQ(events[0].window, 400);
}

TEST(Matcher, AFarRegionIsAcceptedOnlyAfterPingWidening) {
  Fixture f({duel()});
  f.solo("near", 1500, {{"eu", 20}, {"us", 120}});  // accepts us once 120 <= 20 + 20 + 10 × wait: 8 s
  f.solo("far", 1500, {{"us", 25}});
  EXPECT_TRUE(f.tick().empty());
  f.clock.advance(7s);
  EXPECT_TRUE(f.tick().empty());
  f.clock.advance(1s);
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].region, "us");
  EXPECT_EQ(matches[0].worst_ping, 120);
}

TEST(Matcher, PicksTheRegionWithTheLowestWorstPing) {
  Fixture f({duel()});
  f.solo("a", 1500, {{"eu", 60}, {"us", 70}});
  f.solo("b", 1500, {{"eu", 90}, {"us", 40}});  // eu: worst 90; us: worst 70
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].region, "us");
  EXPECT_EQ(matches[0].worst_ping, 70);
}

TEST(Matcher, RefusesTicketsWithNoRegionInReach) {
  Fixture f({duel()});
  try {
    f.solo("a", 1500, {{"eu", 250}, {"mars", 5}});
    FAIL() << "expected no_region";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::no_region);
  }
  EXPECT_THROW(f.solo("a", 1500, {{"eu", 20}}, "nope"), Error);
}

TEST(Matcher, TeamsAreBalancedByRating) {
  Fixture f({squads()});
  f.solo("p1", 1700, {{"eu", 30}}, "squads");
  f.solo("p2", 1650, {{"eu", 30}}, "squads");
  f.solo("p3", 1400, {{"eu", 30}}, "squads");
  f.solo("p4", 1350, {{"eu", 30}}, "squads");
  f.clock.advance(5s);  // windows wide enough for 350 apart
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  // Best split: {1700, 1350} vs {1650, 1400}: means 1525 and 1525.
  const auto& t = matches[0].teams;
  ASSERT_EQ(t.size(), 2u);
  auto sum = [](const std::vector<MatchPlayer>& team) {
    double s = 0;
    for (const auto& p : team) s += p.rating;
    return s;
  };
  EXPECT_DOUBLE_EQ(sum(t[0]), sum(t[1]));
  EXPECT_DOUBLE_EQ(matches[0].win_gap, 0);
}

TEST(Matcher, APartyAlwaysLandsOnOneTeam) {
  Fixture f({squads()});
  // The party is the two strongest: balance would split them, cohesion must not.
  f.m.enqueue({"squads", {{"lead", 1800}, {"mate", 1800}}, {{"eu", 30}}, {}, "party-1"});
  f.solo("s1", 1500, {{"eu", 30}}, "squads");
  f.solo("s2", 1500, {{"eu", 30}}, "squads");
  f.clock.advance(10s);
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  bool together = false;
  for (const auto& team : matches[0].teams) {
    std::set<std::string> ids;
    for (const auto& p : team) ids.insert(p.user_id);
    if (ids == std::set<std::string>{"lead", "mate"}) together = true;
  }
  EXPECT_TRUE(together);
  EXPECT_GT(matches[0].win_gap, 0.5);  // 1800 vs 1500: predicted 85 % vs 15 %
  // A party larger than a team is refused.
  EXPECT_THROW(f.m.enqueue({"squads", {{"x", 1}, {"y", 1}, {"z", 1}}, {{"eu", 30}}, {}, "p2"}), Error);
}

TEST(Matcher, TicketsExpireAfterTheirLifetime) {
  Fixture f({duel()});
  const auto id = f.solo("a", 1500);
  f.clock.advance(59s);
  f.tick();
  EXPECT_TRUE(f.m.ticket_of("a"));
  f.clock.advance(1s);
  f.tick();
  EXPECT_FALSE(f.m.ticket_of("a"));
  bool expired = false;
  for (const auto& e : f.m.take_events())
    if (e.state == TicketState::expired && e.ticket_id == id && e.reason == "ticket_ttl") expired = true;
  EXPECT_TRUE(expired);
}

TEST(Matcher, CancelBeforeATickKeepsThePlayerOutAndAfterItIsTooLate) {
  Fixture f({duel()});
  const auto a = f.solo("a", 1500);
  f.solo("b", 1500);
  EXPECT_TRUE(f.m.cancel(a, "requested"));
  EXPECT_FALSE(f.m.cancel(a, "requested"));  // already gone
  f.solo("c", 1500);
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(users_of(matches[0]), (std::set<std::string>{"b", "c"}));
  const auto d = f.solo("d", 1500);
  f.solo("e", 1500);
  f.tick();
  EXPECT_FALSE(f.m.cancel(d, "requested"));  // matched first: the cancel loses, and says so
}

TEST(Matcher, AtMostOneLiveTicketPerPlayer) {
  Fixture f({duel(), squads()});
  f.solo("a", 1500);
  try {
    f.solo("a", 1500, {{"eu", 30}}, "squads");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::already_queued);
  }
}

TEST(Matcher, PropertiesFilterKeepsIncompatibleClientsApart) {
  auto mode = duel();
  mode.match_equal = {"version"};
  Fixture f({mode});
  f.m.enqueue({"duel", {{"old", 1500}}, {{"eu", 30}}, {{"version", std::string("1.0")}}, {}});
  f.m.enqueue({"duel", {{"new", 1500}}, {{"eu", 30}}, {{"version", std::string("1.1")}}, {}});
  EXPECT_TRUE(f.tick().empty());
  f.m.enqueue({"duel", {{"new2", 1500}}, {{"eu", 30}}, {{"version", std::string("1.1")}}, {}});
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(users_of(matches[0]), (std::set<std::string>{"new", "new2"}));
}

TEST(Matcher, BotsFillSeatsAfterTheModesWait) {
  auto mode = squads();
  mode.bots_after = 20s;
  Fixture f({mode});
  f.solo("a", 1500, {{"eu", 30}}, "squads");
  f.solo("b", 1500, {{"eu", 30}}, "squads");
  f.clock.advance(19s);
  EXPECT_TRUE(f.tick().empty());
  f.clock.advance(1s);
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_TRUE(matches[0].bots_fill);
  EXPECT_EQ(matches[0].open_seats, 2);
  EXPECT_EQ(users_of(matches[0]).size(), 2u);
}

TEST(Matcher, FreeForAllTakesUpToItsMaximumInMultiples) {
  ModeConfig ffa = duel();
  ffa.name = "ffa";
  ffa.ffa_min = 4;
  ffa.ffa_max = 8;
  ffa.ffa_multiple = 2;
  Fixture f({ffa});
  for (int i = 0; i < 3; ++i) f.solo("u" + std::to_string(i), 1500, {{"eu", 30}}, "ffa");
  EXPECT_TRUE(f.tick().empty());  // 3 < 4
  for (int i = 3; i < 7; ++i) f.solo("u" + std::to_string(i), 1500, {{"eu", 30}}, "ffa");
  auto matches = f.tick();
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(users_of(matches[0]).size(), 6u);  // 7 waiting: the largest multiple of 2 is 6
  EXPECT_EQ(matches[0].teams.size(), 6u);
  EXPECT_EQ(f.m.waiting(), 1u);
}

// Many interleaved enqueues, cancels, party leaves and disconnects: nobody is ever in two
// matches, and no cancelled ticket's players end up in a match.
TEST(Matcher, RandomizedNoPlayerIsEverInTwoMatches) {
  auto sq = squads();
  sq.bots_after = 8s;
  auto d = duel();
  d.bots_after = 15s;
  Fixture f({d, sq});
  std::mt19937 rng(20261121);
  std::map<std::string, std::string> live;  // ticket -> "" (what we enqueued and did not cancel)
  std::set<std::string> in_match;           // users placed in a match
  std::set<std::string> cancelled;          // tickets the test cancelled
  std::map<std::string, std::vector<std::string>> ticket_users;
  std::vector<std::set<std::string>> running;  // players of each match still going on
  std::map<std::string, int> refused;
  int formed = 0;
  for (int step = 0; step < 20'000; ++step) {
    const int op = static_cast<int>(rng() % 100);
    if (op < 55) {
      // A fixed population: the same players come back after cancels, expiries and matches.
      const bool party = rng() % 4 == 0;
      auto pick = [&] { return "u" + std::to_string(rng() % 400); };
      std::vector<TicketPlayer> players{{pick(), 1200.0 + rng() % 600}};
      if (party) players.push_back({pick(), 1200.0 + rng() % 600});
      if (party && players[0].user_id == players[1].user_id) continue;
      // As the service does: nobody in a running match queues again.
      if (std::any_of(players.begin(), players.end(), [&](const auto& p) { return in_match.count(p.user_id) != 0; }))
        continue;
      std::map<std::string, int> pings{{"eu", 10 + static_cast<int>(rng() % 150)}};
      if (rng() % 2 == 0) pings["us"] = 10 + static_cast<int>(rng() % 150);
      const std::string mode = party || rng() % 2 == 0 ? "squads" : "duel";
      try {
        auto id = f.m.enqueue({mode, players, pings, {}, party ? "p" + std::to_string(step) : ""});
        live[id] = "";
        for (const auto& p : players) ticket_users[id].push_back(p.user_id);
      } catch (const Error& e) {
        EXPECT_TRUE(e.code() == Code::no_region || e.code() == Code::already_queued) << e.code_name();
        ++refused[std::string(e.code_name())];
      }
    } else if (op < 75 && !live.empty()) {
      // cancel, party member leaving or disconnect: all cancel the ticket
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      static const char* reasons[] = {"requested", "party_member_left", "disconnected"};
      if (f.m.cancel(it->first, reasons[rng() % 3])) cancelled.insert(it->first);
      live.erase(it);
    } else if (op < 90) {
      f.clock.advance(std::chrono::milliseconds(rng() % 1500));
      f.m.tick();
      for (auto& fm : f.m.take_matches()) {
        ++formed;
        running.emplace_back(users_of(fm));
        for (const auto& team : fm.teams) {
          for (const auto& p : team) {
            ASSERT_TRUE(in_match.insert(p.user_id).second) << p.user_id << " is in two matches at once";
            ASSERT_EQ(cancelled.count(p.ticket_id), 0u) << "a cancelled ticket was matched";
            live.erase(p.ticket_id);
          }
        }
      }
    } else if (op < 95) {
      f.clock.advance(std::chrono::milliseconds(rng() % 5000));
    } else if (!running.empty()) {
      // A match ends: its players may queue again.
      for (const auto& u : running.front()) in_match.erase(u);
      running.erase(running.begin());
    }
  }
  EXPECT_GT(formed, 300);
  EXPECT_GT(refused["already_queued"], 50);  // the population is small enough to collide
  // Every event refers to a known ticket; found only once per ticket.
  std::set<std::string> found;
  for (const auto& e : f.m.take_events())
    if (e.state == TicketState::found) {
      EXPECT_TRUE(found.insert(e.ticket_id).second);
    }
}

TEST(Modes, ParsedFromConfigAndCheckedAtStart) {
  auto modes = parse_modes({{"brawl", {{"players", "2..6"}, {"regions", "eu, asia"}, {"bots_after_s", "5"}}},
                            {"trio", {{"teams", "2"}, {"team_size", "3"}, {"match_equal", "[\"version\"]"}}}});
  ASSERT_EQ(modes.size(), 2u);
  EXPECT_TRUE(modes[0].ffa());
  EXPECT_EQ(modes[0].ffa_max, 6);
  EXPECT_EQ(modes[0].regions, (std::vector<std::string>{"eu", "asia"}));
  EXPECT_EQ(modes[0].bots_after, 5s);
  EXPECT_EQ(modes[1].players(), 6);
  EXPECT_EQ(modes[1].match_equal, (std::vector<std::string>{"version"}));
  auto error = [](const std::map<std::string, std::map<std::string, std::string>>& raw) {
    try {
      parse_modes(raw);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error({{"x", {{"teams", "zero"}}}}).find("matchmaking.modes.x.teams"), std::string::npos);
  EXPECT_NE(error({{"x", {{"colour", "red"}}}}).find("unknown setting 'matchmaking.modes.x.colour'"),
            std::string::npos);
  EXPECT_NE(error({{"x", {{"players", "5..3"}}}}).find("players"), std::string::npos);
  EXPECT_NE(error({{"x", {{"regions", ""}}}}).find("region"), std::string::npos);
  EXPECT_NE(error({{"x", {{"team_size", "2"}, {"max_party_size", "3"}}}}).find("max_party_size"), std::string::npos);
  EXPECT_NE(error({{"bad name!", {}}}).find("mode name"), std::string::npos);
  // Hardening (issue 9, defect 6): the real lower bound is printed, not a truncated 0.
  EXPECT_NE(error({{"x", {{"ticket_ttl_s", "0"}}}}).find("0 is outside 0.001..86400"), std::string::npos)
      << error({{"x", {{"ticket_ttl_s", "0"}}}});
  for (const auto& m : default_modes()) EXPECT_NO_THROW(validate(m));
}

// Issue 16: config modes add to the built-in ones (a table of a built-in's name changes only its
// keys); a mode without tick_rate leaves the rate to the game.
TEST(Modes, ConfigTablesAddToOrOverrideTheBuiltInModes) {
  auto modes = configured_modes({{"brawl", {{"players", "2..6"}}}, {"duel", {{"regions", "eu"}}}}, true);
  auto find = [&](const std::string& name) -> const ModeConfig* {
    for (const auto& m : modes)
      if (m.name == name) return &m;
    return nullptr;
  };
  ASSERT_NE(find("practice"), nullptr);
  ASSERT_NE(find("brawl"), nullptr);
  ASSERT_NE(find("duel"), nullptr);
  EXPECT_EQ(find("duel")->regions, (std::vector<std::string>{"eu"}));
  EXPECT_EQ(find("duel")->bots_after, default_modes().front().bots_after);  // the rest is duel's
  EXPECT_EQ(modes.size(), default_modes().size() + 1);
  EXPECT_EQ(find("four")->tick_rate, 0);  // four's own 1 Hz, not a mode-wide 20
  EXPECT_EQ(configured_modes({{"brawl", {{"players", "2..6"}}}}, false).size(), 1u);
  EXPECT_THROW(configured_modes({}, false), std::invalid_argument);
}

// A round in slices forms what the whole round forms, and what happens between slices counts:
// a ticket cancelled before its turn is gone, one queued during the round is seen in it.
TEST(Matcher, ARoundInSlicesFormsWhatAWholeRoundForms) {
  auto run = [](std::size_t slice) {
    Fixture f({duel(), squads()});
    for (int i = 0; i < 40; ++i) f.solo("d" + std::to_string(i), 1000 + 37.0 * i);
    for (int i = 0; i < 20; ++i) f.solo("s" + std::to_string(i), 1200 + 41.0 * i, {{"eu", 40}}, "squads");
    int slices = 0;
    if (slice == 0) {
      f.m.tick();
      slices = 1;
    } else {
      while (++slices < 1000 && !f.m.tick_slice(slice)) {
      }
    }
    std::vector<std::set<std::string>> formed;
    for (const auto& fm : f.m.take_matches()) formed.push_back(users_of(fm));
    std::sort(formed.begin(), formed.end());
    return std::make_pair(formed, slices);
  };
  const auto [whole, one] = run(0);
  EXPECT_EQ(whole.size(), 20u + 5u);  // 20 duels, 5 squads of four
  for (std::size_t slice : {1u, 3u, 7u, 100u}) {
    const auto [sliced, slices] = run(slice);
    EXPECT_EQ(sliced, whole) << "slices of " << slice;
    EXPECT_EQ(slices > 1, slice < 60) << slice;  // 60 tickets: a slice of 100 is the whole round
  }
}

TEST(Matcher, WhatHappensBetweenSlicesCounts) {
  Fixture f({duel()});
  f.solo("a", 1500);
  f.solo("b", 1500);
  const std::string c = f.solo("c", 1500);
  f.solo("d", 1500);
  EXPECT_FALSE(f.m.tick_slice(1));  // a (the oldest) is matched with b, its closest
  auto first = f.m.take_matches();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(users_of(first[0]), (std::set<std::string>{"a", "b"}));
  EXPECT_TRUE(f.m.cancel(c, "requested"));  // before its turn
  f.solo("e", 1500);                        // queued during the round
  while (!f.m.tick_slice(1)) {
  }
  auto rest = f.m.take_matches();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(users_of(rest[0]), (std::set<std::string>{"d", "e"}));
  EXPECT_EQ(f.m.waiting(), 0u);
  EXPECT_TRUE(f.m.tick_slice(1));  // a new round, of nothing
}

}  // namespace
}  // namespace arena::matchmaking
