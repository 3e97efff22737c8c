// Matches over real WebSockets: queue, get matched, play against bots or each other, drop and
// resume, end with a stored result that `arena replay` verifies.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "arena/testing/command.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/test_server.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::guest;
using testing::Player;
using testing::str;
using testing::TestServer;
namespace json = boost::json;

void match_settings(config::Settings& s) {
  s.matchmaking.interval = 20ms;
  s.matchmaking.modes["duel"] = {{"regions", "eu"}, {"bots_after_s", "0"}};
  s.matchmaking.modes["practice"] = {
      {"players", "1"}, {"seats", "4"}, {"practice", "true"}, {"regions", "eu"}, {"tick_rate", "200"}};
}

json::object eu() {
  return {{"eu", 30}};
}

// Issue 16 (defects): a mode that leaves tick_rate out runs its game at the game's own rate
// (four: 1 Hz), and a config with one mode of its own keeps the built-in ones (practice).
TEST(Match, AModeWithoutTickRateRunsAtTheGamesRateAndBuiltInModesStay) {
  TestServer server([](config::Settings& s) {
    s.matchmaking.interval = 20ms;
    s.matchmaking.modes = {};
    s.matchmaking.modes["solo_four"] = {{"game", "four"}, {"players", "1"}, {"seats", "2"}, {"practice", "true"}};
  });
  Player p(server.port(), guest(server.port()));
  p.request("mm.enqueue", {{"mode", "solo_four"}, {"regions", eu()}}, 1);
  auto assigned = p.next("match.assigned", 5s);
  ASSERT_TRUE(assigned);
  EXPECT_EQ(str(*assigned, {"d", "game"}), "four");
  EXPECT_EQ(assigned->at("d").at("tick_rate").as_int64(), 1);
  Player q(server.port(), guest(server.port()));
  q.request("mm.enqueue", {{"mode", "practice"}, {"regions", eu()}}, 1);
  auto practice = q.next("match.assigned", 5s);
  ASSERT_TRUE(practice) << "the built-in practice mode is gone";
  EXPECT_EQ(str(*practice, {"d", "game"}), "cycles");
  EXPECT_EQ(practice->at("d").at("tick_rate").as_int64(), 20);
}

TEST(Match, PracticeAgainstBotsToTheEnd) {
  TestServer server(match_settings);
  Player p(server.port(), guest(server.port()));
  p.request("mm.enqueue", {{"mode", "practice"}, {"regions", eu()}}, 1);
  auto assigned = p.next("match.assigned", 5s);
  ASSERT_TRUE(assigned);
  const std::string id = str(*assigned, {"d", "match_id"});
  EXPECT_EQ(str(*assigned, {"d", "game"}), "cycles");
  EXPECT_EQ(assigned->at("d").at("teams").as_array().size(), 4u);  // one player, three bots
  EXPECT_EQ(assigned->at("d").at("tick_rate").as_int64(), 200);
  auto snap = p.next("match.snapshot");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->at("d").at("tick").as_int64(), 0);
  EXPECT_EQ(snap->at("d").at("state").at("riders").as_array().size(), 4u);
  auto ended = p.next("match.ended", 30s);  // bots fill the grid; the game ends by itself
  ASSERT_TRUE(ended);
  EXPECT_EQ(str(*ended, {"d", "match_id"}), id);
  const auto& placements = ended->at("d").at("result").at("placements").as_array();
  EXPECT_EQ(placements.size(), 4u);
  int first = 0;
  for (const auto& pl : placements) first += pl.at("place").as_int64() == 1 ? 1 : 0;
  EXPECT_GE(first, 1);
  // After the end the match no longer takes inputs.
  auto late = p.request("match.input", {{"match_id", id}, {"d", {{"turn", "left"}}}}, 2);
  EXPECT_EQ(str(late, {"d", "code"}), "no_such_match");
}

TEST(Match, TwoPlayersPlayOneDropsAndResumesAndTheResultReplays) {
  TestServer server(match_settings);
  Player a(server.port(), guest(server.port()));
  Player b(server.port(), guest(server.port()));
  a.request("mm.enqueue", {{"mode", "duel"}, {"regions", eu()}}, 1);
  b.request("mm.enqueue", {{"mode", "duel"}, {"regions", eu()}}, 1);
  auto aa = a.next("match.assigned");
  auto ab = b.next("match.assigned");
  ASSERT_TRUE(aa && ab);
  const std::string id = str(*aa, {"d", "match_id"});
  EXPECT_EQ(str(*ab, {"d", "match_id"}), id);
  EXPECT_NE(aa->at("d").at("seat"), ab->at("d").at("seat"));
  ASSERT_TRUE(a.next("match.snapshot"));
  ASSERT_TRUE(b.next("match.snapshot"));
  auto delta = a.next("match.delta");
  ASSERT_TRUE(delta);
  EXPECT_GT(delta->at("d").at("tick").as_int64(), 0);
  EXPECT_TRUE(delta->at("d").at("d").as_object().contains("moves"));

  // Inputs: a good one is acknowledged with the tick, bad ones get error codes.
  auto ok = a.request("match.input", {{"match_id", id}, {"d", {{"turn", "left"}}}}, 2);
  ASSERT_EQ(str(ok, {"op"}), "match.input") << ok;
  EXPECT_EQ(str(a.request("match.input", {{"match_id", id}, {"d", {{"turn", "around"}}}}, 3), {"d", "code"}),
            "invalid_input");
  EXPECT_EQ(str(a.request("match.input", {{"match_id", "nope"}, {"d", {{"turn", "left"}}}}, 4), {"d", "code"}),
            "no_such_match");
  Player c(server.port(), guest(server.port()));
  EXPECT_EQ(str(c.request("match.snapshot", {{"match_id", id}}, 1), {"d", "code"}), "not_in_match");

  // b drops and comes back within the resume window: the missed deltas replay, and a full
  // snapshot is one op away.
  const auto last_seq = [&] {
    std::int64_t seq = 0;
    for (int i = 0; i < 3; ++i)
      if (auto f = b.next("match.delta")) seq = f->at("seq").as_int64();
    return seq;
  }();
  ASSERT_GT(last_seq, 0);
  b.ws->drop();  // resuming takes the session over whether or not the server has seen the drop
  testing::WsOptions resume;
  resume.query = "sid=" + b.sid + "&last_seq=" + std::to_string(last_seq);
  Player b2(server.port(), b.login, resume);
  EXPECT_TRUE(b2.welcome.at("d").at("resumed").as_bool());
  auto replayed = b2.next("match.delta");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->at("seq").as_int64(), last_seq + 1);
  auto snap = b2.request("match.snapshot", {{"match_id", id}}, 1);
  ASSERT_EQ(str(snap, {"op"}), "match.snapshot") << snap;
  EXPECT_EQ(snap.at("d").at("state").at("riders").as_array().size(), 2u);

  // a leaves for good: a bot takes the seat and the match plays on to its end.
  a.request("match.leave", {{"match_id", id}}, 5);
  auto ended = b2.next("match.ended", 20s);
  ASSERT_TRUE(ended);
  const auto& result = ended->at("d").at("result");
  EXPECT_EQ(result.at("placements").as_array().size(), 2u);
  EXPECT_FALSE(result.as_object().contains("error"));

  // Stored before match.ended went out; the replay ends in the same state.
  const auto out =
      testing::run_command(std::string(ARENA_BIN) + " replay " + id + " --data-dir " + server.settings().data_dir);
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("verified"), std::string::npos) << out.output;
  const auto missing =
      testing::run_command(std::string(ARENA_BIN) + " replay no-such-match --data-dir " + server.settings().data_dir);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
}

// Issue 16: a mode's [settings] reach the game (and the players, in match.assigned); a game with
// hidden information sends each seat its own part; a spectator sees the public view only, and
// the result with its game events replays.
TEST(Match, GameSettingsPerSeatViewsAndSpectators) {
  TestServer server([](config::Settings& s) {
    s.matchmaking.interval = 20ms;
    s.matchmaking.modes["smalltag"] = {{"game", "tag"},           {"players", "1"},        {"seats", "3"},
                                       {"practice", "true"},      {"regions", "eu"},       {"tick_rate", "50"},
                                       {"settings.seconds", "5"}, {"settings.size", "40"}, {"settings.sight", "2"}};
    s.host.max_watchers = 1;
  });
  Player p(server.port(), guest(server.port()));
  p.request("mm.enqueue", {{"mode", "smalltag"}, {"regions", eu()}}, 1);
  auto assigned = p.next("match.assigned", 5s);
  ASSERT_TRUE(assigned);
  const std::string id = str(*assigned, {"d", "match_id"});
  const auto& d = assigned->at("d");
  EXPECT_EQ(str(*assigned, {"d", "game"}), "tag");
  EXPECT_EQ(d.at("tick_rate").as_int64(), 50);
  EXPECT_EQ(d.at("settings").at("size").as_int64(), 40);  // typed, with the defaults filled in
  EXPECT_EQ(d.at("settings").at("pillars").as_int64(), 12);
  const auto seat = d.at("seat").as_int64();
  auto snap = p.next("match.snapshot");
  ASSERT_TRUE(snap);
  const auto& seen = snap->at("d").at("state").at("seen").as_array();
  EXPECT_EQ(seen.at(0).as_array().at(0).as_int64(), seat);  // the player's own view: itself first
  auto delta = p.next("match.delta");
  ASSERT_TRUE(delta);
  EXPECT_TRUE(delta->at("d").as_object().contains("own")) << *delta;  // its own part, sent to it alone
  EXPECT_TRUE(delta->at("d").at("d").as_object().contains("it"));
  EXPECT_EQ(str(p.request("match.watch", {{"match_id", id}}, 2), {"d", "code"}), "already_in_match");

  Player w(server.port(), guest(server.port()));
  EXPECT_EQ(str(w.request("match.unwatch", {{"match_id", id}}, 1), {"d", "code"}), "not_in_match");
  auto watching = w.request("match.watch", {{"match_id", id}}, 2);
  ASSERT_EQ(str(watching, {"op"}), "match.watch") << watching;
  auto public_view = w.next("match.snapshot");
  ASSERT_TRUE(public_view);
  EXPECT_FALSE(public_view->at("d").at("state").as_object().contains("seen")) << *public_view;
  EXPECT_TRUE(public_view->at("d").at("state").as_object().contains("it"));
  auto watched = w.next("match.delta");
  ASSERT_TRUE(watched);
  EXPECT_FALSE(watched->at("d").as_object().contains("own")) << *watched;
  Player x(server.port(), guest(server.port()));
  EXPECT_EQ(str(x.request("match.watch", {{"match_id", id}}, 1), {"d", "code"}), "too_many_watchers");
  auto asked = w.request("match.snapshot", {{"match_id", id}}, 3);
  ASSERT_EQ(str(asked, {"op"}), "match.snapshot") << asked;
  EXPECT_FALSE(asked.at("d").at("state").as_object().contains("seen"));
  EXPECT_EQ(str(w.request("match.input", {{"match_id", id}, {"d", {{"dir", "up"}}}}, 4), {"d", "code"}),
            "not_in_match");                // watching is read-only
  auto ended = w.next("match.ended", 15s);  // 5 s at 50 Hz
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->at("d").at("result").at("ticks").as_int64(), 250);
  ASSERT_TRUE(p.next("match.ended", 5s));
  const auto out =
      testing::run_command(std::string(ARENA_BIN) + " replay " + id + " --data-dir " + server.settings().data_dir);
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("the same"), std::string::npos) << out.output;
}

}  // namespace
}  // namespace arena
