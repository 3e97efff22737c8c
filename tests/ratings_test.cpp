// After the match, over real WebSockets: two players finish a duel of four; the result's rating
// job (enqueued with the stored result) updates both ratings once, both hear rating.changed,
// and a second match.ended for the same match changes nothing. Built twice: on SQLite
// (integration tier) and on PostgreSQL (pg tier, with tests/pg_backend.cpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "arena/bus/bus.hpp"
#include "arena/bus/memory_bus.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/temp_dir.hpp"
#include "arena/testing/test_database.hpp"
#include "arena/testing/test_server.hpp"
#include "four_game.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::duel_of_four;
using testing::guest;
using testing::play_four;
using testing::Player;
using testing::str;
using testing::TestServer;
namespace json = boost::json;

// One game of four that `winner` wins: the winner stacks column 0, the loser drops in column 6
// three times and then column 5, never four in a line, so the winner's fourth piece decides.
// Both see match.ended and rating.changed. Returns the match id ("" on failure).
// With `server`, its clock moves 3 s on after both queued (the test server's wall clock stands
// still otherwise, and a rating window widens with the wait).
std::string play_four_won_by(Player& winner, Player& loser, TestServer* server = nullptr,
                             const std::string& mode = "duel4") {
  const auto qw = winner.request("mm.enqueue", {{"mode", mode}, {"regions", {{"eu", 20}}}}, 1);
  const auto ql = loser.request("mm.enqueue", {{"mode", mode}, {"regions", {{"eu", 20}}}}, 1);
  EXPECT_EQ(str(qw, {"op"}), "mm.enqueue") << qw;
  EXPECT_EQ(str(ql, {"op"}), "mm.enqueue") << ql;
  if (server != nullptr) server->advance(3s);
  auto aw = winner.next("match.assigned", 10s);
  auto al = loser.next("match.assigned", 10s);
  EXPECT_TRUE(aw && al);
  if (!aw || !al) return "";
  const std::string id = str(*aw, {"d", "match_id"});
  const int winner_seat = static_cast<int>(aw->at("d").at("seat").as_int64());
  int to_move = -1;
  if (auto snap = winner.next("match.snapshot"))
    to_move = static_cast<int>(snap->at("d").at("state").at("to_move").as_int64());
  (void)loser.next("match.snapshot");
  int loser_moves = 0;
  for (int move = 0; move < 10; ++move) {
    const bool winners_turn = to_move == winner_seat;
    Player& p = winners_turn ? winner : loser;
    const int column = winners_turn ? 0 : (loser_moves++ < 3 ? 6 : 5);
    auto reply = p.request("match.input", {{"match_id", id}, {"d", {{"column", column}}}}, 10 + move);
    if (str(reply, {"op"}) != "match.input") {
      ADD_FAILURE() << "move " << move << ": " << reply;
      return "";
    }
    auto delta = winner.next("match.delta", 5s);
    if (!delta) {
      ADD_FAILURE() << "no delta after move " << move;
      return "";
    }
    const auto& d = delta->at("d").at("d").as_object();
    if (d.contains("winner")) break;
    to_move = static_cast<int>(d.at("to_move").as_int64());
  }
  EXPECT_TRUE(testing::match_ended(winner));
  EXPECT_TRUE(testing::match_ended(loser));
  auto rw = winner.next("rating.changed", 10s);
  auto rl = loser.next("rating.changed", 10s);
  EXPECT_TRUE(rw && rl);
  if (rw) {
    EXPECT_EQ(str(*rw, {"d", "outcome"}), "win");
  }
  return id;
}

// The rows of `arena jobs list` output (the header and the all-jobs summary left out).
std::vector<std::string> job_rows(const std::string& out) {
  std::vector<std::string> rows;
  std::size_t i = 0;
  while (i < out.size()) {
    const auto nl = out.find('\n', i);
    const std::string line = out.substr(i, nl == std::string::npos ? std::string::npos : nl - i);
    if (!line.empty() && line[0] != '#' && line.rfind("id\t", 0) != 0) rows.push_back(line);
    i = nl == std::string::npos ? out.size() : nl + 1;
  }
  return rows;
}

TEST(AfterTheMatch, ADuelRatesBothPlayersOnceAndTellsThem) {
  TestServer server(duel_of_four);
  Player a(server.port(), guest(server.port()));
  Player b(server.port(), guest(server.port()));
  const auto ended = play_four(a, b);
  ASSERT_TRUE(ended.is_object());
  const std::string id = str(ended, {"d", "match_id"});
  auto ra = a.next("rating.changed", 10s);
  auto rb = b.next("rating.changed", 10s);
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(str(*ra, {"d", "match_id"}), id);
  EXPECT_EQ(str(*ra, {"d", "mode"}), "duel4");
  EXPECT_EQ(ra->at("d").at("before").as_double(), 800);  // fresh players
  const double a_after = ra->at("d").at("after").as_double();
  const double b_after = rb->at("d").at("after").as_double();
  const bool a_won = str(*ra, {"d", "outcome"}) == "win";
  EXPECT_EQ(str(*rb, {"d", "outcome"}), a_won ? "loss" : "win");
  const double winner = a_won ? a_after : b_after;
  const double loser = a_won ? b_after : a_after;
  EXPECT_GT(winner, 800);
  EXPECT_GT(winner, loser);
  EXPECT_EQ(ra->at("d").at("rank").as_int64(), a_won ? 1 : 2);  // the board of the mode, after this match
  EXPECT_EQ(rb->at("d").at("rank").as_int64(), a_won ? 2 : 1);
  // match.ended again (a redelivery, a second host's word): the key makes it one job, the
  // history makes it one change (the profiles below still show one game).
  server.app().bus().publish(protocol::kMatchEnded, protocol::encode(protocol::MatchEnded{id, "duel4", "four", "{}"}));
  // The worker's match.ended handler has run (its enqueue refused by the key) once the bus is
  // idle; the job list below then shows whether it made a second job.
  ASSERT_TRUE(dynamic_cast<bus::MemoryBus&>(server.app().bus()).wait_idle(5s));
  // Profiles, histories and the stored match, over REST.
  testing::HttpClient http(server.port());
  for (auto* p : {&a, &b}) {
    const bool is_a = p == &a;
    auto profile = http.get("/v1/players/" + p->login.user_id);
    ASSERT_EQ(profile.status, 200) << profile.body;
    const auto pj = profile.json();
    const auto& modes = pj.at("modes").as_array();
    ASSERT_EQ(modes.size(), 1u);
    EXPECT_EQ(modes[0].at("mode").as_string(), "duel4");
    EXPECT_EQ(modes[0].at("model").as_string(), "glicko2");
    EXPECT_NEAR(modes[0].at("rating").as_double(), is_a ? a_after : b_after, 0.01);
    EXPECT_EQ(modes[0].at("games").as_int64(), 1);
    EXPECT_EQ(modes[0].at("wins").as_int64(), (is_a == a_won) ? 1 : 0);
    EXPECT_EQ(modes[0].at("rank").as_int64(), (is_a == a_won) ? 1 : 2);
    EXPECT_FALSE(pj.at("last_seen").is_null());
    auto history = http.get("/v1/players/" + p->login.user_id + "/matches");
    ASSERT_EQ(history.status, 200) << history.body;
    const auto hj = history.json();
    const auto& items = hj.at("matches").as_array();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].at("match_id").as_string(), id);
    EXPECT_EQ(items[0].at("placements").as_array().size(), 2u);
    EXPECT_NEAR(items[0].at("rating").at("after").as_double(), is_a ? a_after : b_after, 0.01);
    EXPECT_TRUE(hj.at("next_cursor").is_null());
  }
  auto stored = http.get("/v1/matches/" + id);
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(stored.json().at("game").as_string(), "four");
  EXPECT_EQ(stored.json().at("seats").as_array().size(), 2u);
  EXPECT_EQ(http.get("/v1/matches/no-such-match").error_code(), "no_such_match");
  EXPECT_EQ(http.get("/v1/players/nobody-at-all").status, 404);
  EXPECT_EQ(http.get("/v1/players/nobody-at-all/matches").error_code(), "no_such_user");
  EXPECT_EQ(http.get("/v1/players/" + a.login.user_id + "/matches?limit=0").error_code(), "invalid_field");
  EXPECT_EQ(http.get("/v1/players/" + a.login.user_id + "/matches?cursor=%21%21").error_code(), "invalid_field");
  // The mode's rating board: the winner first, then the loser; around-me; bad parameters.
  auto board = http.get("/v1/leaderboards/duel4?limit=1");
  ASSERT_EQ(board.status, 200) << board.body;
  const auto bj = board.json();
  ASSERT_EQ(bj.at("entries").as_array().size(), 1u);
  EXPECT_EQ(bj.at("entries").at(0).at("rank").as_int64(), 1);
  EXPECT_EQ(bj.at("entries").at(0).at("user_id").as_string(), a_won ? a.login.user_id : b.login.user_id);
  auto rest = http.get("/v1/leaderboards/duel4?limit=1&cursor=" + std::string(bj.at("next_cursor").as_string()));
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_EQ(rest.json().at("entries").at(0).at("rank").as_int64(), 2);
  EXPECT_TRUE(rest.json().at("next_cursor").is_null());
  auto near = http.get("/v1/leaderboards/duel4/around/" + a.login.user_id + "?limit=5");
  ASSERT_EQ(near.status, 200) << near.body;
  EXPECT_EQ(near.json().at("entries").as_array().size(), 2u);
  EXPECT_EQ(http.get("/v1/leaderboards/nope").error_code(), "no_such_board");
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?limit=500").error_code(), "invalid_field");
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?cursor=bm9wZQ").error_code(), "invalid_field");
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?cursor=%21%21").error_code(), "invalid_field");  // not base64url
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?season=2026-11").error_code(), "invalid_field");
  EXPECT_EQ(http.get("/v1/leaderboards/practice/around/" + a.login.user_id).error_code(), "no_such_user");
  EXPECT_EQ(http.get("/v1/leaderboards/duel4/around/" + a.login.user_id + "?limit=51").error_code(), "invalid_field");
  // The job is there once, completed.
  const auto listed = testing::run_command(std::string(ARENA_BIN) + " jobs list --kind rating.update --data-dir " +
                                           server.settings().data_dir + testing::test_database_flag());
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("completed\tratings\trating.update\t1/25"), std::string::npos) << listed.output;
  const auto rows = job_rows(listed.output);  // an hourly upkeep job may have run too: not counted
  ASSERT_EQ(rows.size(), 1u) << listed.output;
  EXPECT_NE(rows[0].find("completed\tratings\trating.update"), std::string::npos) << listed.output;
  // A second duel: the history pages newest first, with a cursor, no item twice or skipped.
  const auto second = play_four(a, b);
  ASSERT_TRUE(second.is_object());
  const std::string id2 = str(second, {"d", "match_id"});
  ASSERT_TRUE(a.next("rating.changed", 10s));
  auto page1 = http.get("/v1/players/" + a.login.user_id + "/matches?limit=1");
  ASSERT_EQ(page1.status, 200) << page1.body;
  ASSERT_EQ(page1.json().at("matches").as_array().size(), 1u);
  const auto cursor = std::string(page1.json().at("next_cursor").as_string());
  auto page2 = http.get("/v1/players/" + a.login.user_id + "/matches?limit=1&cursor=" + cursor);
  ASSERT_EQ(page2.status, 200) << page2.body;
  ASSERT_EQ(page2.json().at("matches").as_array().size(), 1u);
  std::set<std::string> ids{std::string(page1.json().at("matches").at(0).at("match_id").as_string()),
                            std::string(page2.json().at("matches").at(0).at("match_id").as_string())};
  EXPECT_EQ(ids, (std::set<std::string>{id, id2}));
  EXPECT_TRUE(page2.json().at("next_cursor").is_null());
  // And nobody hears rating.changed twice for it (a's last use: a timed-out read ends a socket).
  server.app().bus().publish(protocol::kMatchEnded, protocol::encode(protocol::MatchEnded{id2, "duel4", "four", "{}"}));
  EXPECT_FALSE(a.next("rating.changed", 1500ms));
}

// Leaderboards as a game team sets them up: the mode's rating board with monthly seasons, a
// score board fed by the game's stat (fewest pieces to a result, ascending), a server-written
// board; per region; and a season that rolls over on its schedule and stays queryable.
TEST(AfterTheMatch, BoardsTakeScoresPerRegionAndSeasonAndSeasonsRollOver) {
  const std::string key(40, 'k');
  TestServer server([&](config::Settings& s) {
    duel_of_four(s);
    s.leaderboards.boards["duel4"] = {{"season", "0 0 1 * *"}};
    s.leaderboards.boards["fewest_pieces"] = {{"mode", "duel4"}, {"stat", "pieces"}, {"order", "asc"}};
    s.leaderboards.boards["coins"] = {{"operator", "increment"}};
    s.leaderboards.server_key = key;
  });
  Player a(server.port(), guest(server.port()));
  Player b(server.port(), guest(server.port()));
  const std::string id = play_four_won_by(a, b);
  ASSERT_FALSE(id.empty());
  testing::HttpClient http(server.port());
  // The fake clock starts on 2023-11-14: the rating board's season is 2023-11.
  auto list = http.get("/v1/leaderboards");
  ASSERT_EQ(list.status, 200) << list.body;
  std::map<std::string, json::object> boards;
  const auto list_json = list.json();
  for (const auto& bd : list_json.at("boards").as_array())
    boards[std::string(bd.at("id").as_string())] = bd.as_object();
  ASSERT_TRUE(boards.count("duel4") && boards.count("fewest_pieces") && boards.count("coins")) << list.body;
  EXPECT_EQ(boards["duel4"].at("season").as_string(), "2023-11");
  EXPECT_EQ(boards["duel4"].at("kind").as_string(), "rating");
  EXPECT_EQ(boards["fewest_pieces"].at("kind").as_string(), "score");
  EXPECT_EQ(boards["coins"].at("season").as_string(), "all");

  auto rating = http.get("/v1/leaderboards/duel4");
  ASSERT_EQ(rating.status, 200) << rating.body;
  EXPECT_EQ(rating.json().at("season").as_string(), "2023-11");
  ASSERT_EQ(rating.json().at("entries").as_array().size(), 2u);
  EXPECT_EQ(rating.json().at("entries").at(0).at("user_id").as_string(), a.login.user_id);
  EXPECT_EQ(rating.json().at("entries").at(0).at("region").as_string(), "eu");

  // The score board took each seat's stat from the stored result: the loser dropped fewer pieces.
  auto stored = http.get("/v1/matches/" + id).json();
  std::map<std::string, double> pieces;
  for (const auto& seat : stored.at("seats").as_array())
    pieces[std::string(seat.at("user_id").as_string())] = static_cast<double>(seat.at("stats").at("pieces").as_int64());
  auto score = http.get("/v1/leaderboards/fewest_pieces");
  ASSERT_EQ(score.status, 200) << score.body;
  const auto score_json = score.json();
  const auto& rows = score_json.at("entries").as_array();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows)
    EXPECT_EQ(r.at("score").to_number<double>(), pieces[std::string(r.at("user_id").as_string())]) << score.body;
  EXPECT_LE(rows[0].at("score").to_number<double>(), rows[1].at("score").to_number<double>());

  // Regions and seasons: one region's board; bad names get codes.
  auto eu = http.get("/v1/leaderboards/duel4?region=eu");
  ASSERT_EQ(eu.status, 200) << eu.body;
  EXPECT_EQ(eu.json().at("entries").as_array().size(), 2u);
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?region=mars").error_code(), "invalid_field");
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?season=2023-10").error_code(), "no_such_season");
  EXPECT_EQ(http.get("/v1/leaderboards/duel4?season=20x3").error_code(), "invalid_field");
  EXPECT_EQ(http.get("/v1/leaderboards/coins?season=2023-11").error_code(), "invalid_field");  // no seasons
  EXPECT_EQ(http.get("/v1/leaderboards/nope/seasons").error_code(), "no_such_board");

  // Server writes: with the key only, never to a rating board, combined by the board's operator.
  const std::string body = R"({"user_id":")" + a.login.user_id + R"(","score":5})";
  EXPECT_EQ(http.post_json("/v1/leaderboards/coins/scores", body).error_code(), "unauthorized");
  EXPECT_EQ(http.post_json("/v1/leaderboards/coins/scores", body, std::string(40, 'x')).error_code(), "unauthorized");
  EXPECT_EQ(http.post_json("/v1/leaderboards/duel4/scores", body, key).error_code(), "server_writes_off");
  EXPECT_EQ(http.post_json("/v1/leaderboards/coins/scores", R"({"user_id":"nobody","score":1})", key).error_code(),
            "no_such_user");
  EXPECT_EQ(http.post_json("/v1/leaderboards/coins/scores", R"({"user_id":"x","score":"many"})", key).error_code(),
            "invalid_field");
  EXPECT_EQ(http.post_json("/v1/leaderboards/coins/scores", R"({"user_id":"x"})", key).error_code(), "missing_field");
  ASSERT_EQ(http.post_json("/v1/leaderboards/coins/scores", body, key).status, 200);
  auto coins = http.post_json("/v1/leaderboards/coins/scores", body, key);
  ASSERT_EQ(coins.status, 200) << coins.body;
  EXPECT_EQ(coins.json().at("score").to_number<double>(), 10);
  EXPECT_EQ(coins.json().at("rank").as_int64(), 1);

  // Past the first of December the rating board's season rolls over: the worker's recurring job
  // closes 2023-11, which stays queryable; the new season starts empty.
  server.advance(std::chrono::hours(24 * 17));
  bool closed = false;
  for (int i = 0; i < 300 && !closed; ++i) {
    const auto seasons = http.get("/v1/leaderboards/duel4/seasons").json();
    for (const auto& se : seasons.at("seasons").as_array())
      closed = closed || (se.at("season").as_string() == "2023-11" && !se.at("closed_at").is_null());
    if (!closed) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(closed);
  auto old = http.get("/v1/leaderboards/duel4?season=2023-11");
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(old.json().at("entries").as_array().size(), 2u);
  auto fresh = http.get("/v1/leaderboards/duel4");
  EXPECT_EQ(fresh.json().at("season").as_string(), "2023-12");
  EXPECT_TRUE(fresh.json().at("entries").as_array().empty());
  auto profile = http.get("/v1/players/" + a.login.user_id).json();
  EXPECT_TRUE(profile.at("modes").at(0).at("rank").is_null());  // no rated match this season yet
}

// Matchmaking reads real ratings: two players who keep winning and two who keep losing, queued
// together, meet their own kind.
TEST(AfterTheMatch, AfterEnoughMatchesStrongPlayersMeetStrongPlayers) {
  TestServer server([](config::Settings& s) {
    duel_of_four(s);
    // A narrow window that widens fast: a lone pair meets after a wait of a few seconds.
    s.matchmaking.modes["duel4"]["rating_window"] = "100";
    s.matchmaking.modes["duel4"]["rating_widen_per_s"] = "400";
  });
  std::vector<std::unique_ptr<Player>> strong, weak;
  for (int i = 0; i < 2; ++i) {
    strong.push_back(std::make_unique<Player>(server.port(), guest(server.port())));
    weak.push_back(std::make_unique<Player>(server.port(), guest(server.port())));
  }
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 2; ++i)
      ASSERT_FALSE(play_four_won_by(*strong[i], *weak[i], &server).empty()) << round << " " << i;
  std::mutex mu;
  std::vector<protocol::MatchFound> found;
  auto sub = server.app().bus().subscribe(protocol::kMatchFound, [&](const bus::Message& m) {
    std::lock_guard lock(mu);
    if (auto f = protocol::decode<protocol::MatchFound>(m.data)) found.push_back(*f);
  });
  for (auto* p : {strong[0].get(), weak[0].get(), strong[1].get(), weak[1].get()})
    p->request("mm.enqueue", {{"mode", "duel4"}, {"regions", {{"eu", 20}}}}, 1);
  for (auto* p : {strong[0].get(), weak[0].get(), strong[1].get(), weak[1].get()})
    ASSERT_TRUE(p->next("match.assigned", 10s));
  std::lock_guard lock(mu);
  ASSERT_EQ(found.size(), 2u);
  std::set<std::string> strong_ids{strong[0]->login.user_id, strong[1]->login.user_id};
  for (const auto& f : found) {
    std::set<std::string> in;
    double lo = 1e9, hi = -1e9;
    for (const auto& team : f.teams)
      for (const auto& p : team) {
        in.insert(p.user_id);
        lo = std::min(lo, p.rating);
        hi = std::max(hi, p.rating);
      }
    const bool all_strong = std::all_of(in.begin(), in.end(), [&](const auto& u) { return strong_ids.count(u) != 0; });
    const bool all_weak = std::none_of(in.begin(), in.end(), [&](const auto& u) { return strong_ids.count(u) != 0; });
    EXPECT_TRUE(all_strong || all_weak) << "a strong player met a weak one";
    EXPECT_LT(hi - lo, 100);  // within the first window: the ratings the matcher saw are the real ones
    EXPECT_GT(lo, 0);
  }
}

// Matchmaking reads the real ratings: after a restart, a player's new session loads their
// ratings into the matchmaker, and the next match is formed with them.
TEST(AfterTheMatch, TheNextMatchIsFormedWithTheStoredRatingsAfterARestart) {
  testing::TempDir dir;  // outlives both servers
  const std::string data_dir = (dir.path() / "var").string();
  testing::Login la, lb;
  double a_after = 0, b_after = 0;
  {
    TestServer server([&](config::Settings& s) {
      duel_of_four(s);
      s.data_dir = data_dir;  // with the generated JWT keys: the players' tokens stay good
    });
    Player a(server.port(), guest(server.port()));
    Player b(server.port(), guest(server.port()));
    la = a.login;
    lb = b.login;
    ASSERT_TRUE(play_four(a, b).is_object());
    auto ra = a.next("rating.changed", 10s);
    auto rb = b.next("rating.changed", 10s);
    ASSERT_TRUE(ra && rb);
    a_after = ra->at("d").at("after").as_double();
    b_after = rb->at("d").at("after").as_double();
  }
  TestServer server([&](config::Settings& s) {
    duel_of_four(s);
    s.data_dir = data_dir;
  });
  std::mutex mu;
  std::vector<protocol::MatchFound> found;
  auto sub = server.app().bus().subscribe(protocol::kMatchFound, [&](const bus::Message& m) {
    std::lock_guard lock(mu);
    if (auto f = protocol::decode<protocol::MatchFound>(m.data)) found.push_back(*f);
  });
  Player a(server.port(), la);
  Player b(server.port(), lb);
  // The sessions' ratings load on the matchmaker's loader strand: wait until it holds both.
  testing::HttpClient http(server.port());
  bool loaded = false;
  for (int i = 0; i < 200 && !loaded; ++i) {
    loaded = http.get("/metrics").body.find("matchmaker_rating_cache_players 2") != std::string::npos;
    if (!loaded) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(loaded);
  a.request("mm.enqueue", {{"mode", "duel4"}, {"regions", {{"eu", 20}}}}, 1);
  b.request("mm.enqueue", {{"mode", "duel4"}, {"regions", {{"eu", 20}}}}, 1);
  ASSERT_TRUE(a.next("match.assigned", 5s));
  std::lock_guard lock(mu);
  ASSERT_EQ(found.size(), 1u);
  std::map<std::string, double> rating;
  for (const auto& team : found[0].teams)
    for (const auto& p : team) rating[p.user_id] = p.rating;
  EXPECT_NEAR(rating[la.user_id], a_after, 0.01);
  EXPECT_NEAR(rating[lb.user_id], b_after, 0.01);
}

// The real binary, SIGKILLed the moment its match ends (its rating job pending, running or done,
// whichever it was at): after a restart on the same data the match is rated exactly once.
TEST(AfterTheMatch, ASigkilledServerRatesTheMatchOnceAfterARestart) {
  testing::TempDir dir;
  const std::string data = (dir.path() / "var").string();
  const std::string config = (dir.path() / "arena.toml").string();
  std::ofstream(config) << "[matchmaking.modes.duel4]\ngame = \"four\"\nregions = [\"eu\"]\nbots_after_s = 0\n"
                           "tick_rate = 20\nrating_window = 1000\nrating_window_max = 1000\n";
  std::vector<std::string> args{"serve", "--listen",     "127.0.0.1:0", "--data-dir",
                                data,    "--config",     config,        "--matchmaking-interval",
                                "20ms",  "--jobs-lease", "1s",          "--jobs-poll-interval",
                                "20ms"};
  for (const auto& a : testing::test_database_args()) args.push_back(a);
  testing::Login la, lb;
  {
    testing::ArenaProcess first(ARENA_BIN, args);
    Player a(first.port(), guest(first.port()));
    Player b(first.port(), guest(first.port()));
    la = a.login;
    lb = b.login;
    ASSERT_TRUE(play_four(a, b).is_object());
    kill(first.pid(), SIGKILL);
  }
  testing::ArenaProcess second(ARENA_BIN, args);
  auto games_of = [&](const std::string& user) { return testing::rated_games(second.port(), user); };
  bool rated = false;
  for (int i = 0; i < 100 && !rated; ++i) {  // a rescued lease expires after 1 s
    rated = games_of(la.user_id) == 1 && games_of(lb.user_id) == 1;
    if (!rated) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(rated) << second.log();
  // One rating job for the match, completed: nothing is left that could rate it again.
  const auto listed = testing::run_command(std::string(ARENA_BIN) + " jobs list --kind rating.update --data-dir " +
                                           data + testing::test_database_flag());
  const auto rows = job_rows(listed.output);
  ASSERT_EQ(rows.size(), 1u) << listed.output;
  EXPECT_NE(rows[0].find("\tcompleted\tratings\trating.update\t"), std::string::npos) << listed.output;
  EXPECT_EQ(games_of(la.user_id), 1);  // rated once, not twice
  EXPECT_EQ(games_of(lb.user_id), 1);
}

// The real binary SIGKILLed mid-match: started again on the same data, it adopts the match from
// its last checkpoint once the dead process's lease runs out; the players come back with their
// tokens, get a snapshot with the moves made before the crash, play on to the end, and the match
// is rated once.
TEST(AfterTheMatch, ASigkilledServerPlaysItsMatchOnAfterARestart) {
  testing::TempDir dir;
  const std::string data = (dir.path() / "var").string();
  const std::string config = (dir.path() / "arena.toml").string();
  std::ofstream(config) << "[matchmaking.modes.duel4]\ngame = \"four\"\nregions = [\"eu\"]\nbots_after_s = 0\n"
                           "tick_rate = 20\nrating_window = 1000\nrating_window_max = 1000\n";
  std::vector<std::string> args{"serve",       "--listen",
                                "127.0.0.1:0", "--data-dir",
                                data,          "--config",
                                config,        "--matchmaking-interval",
                                "20ms",        "--host-checkpoint-interval",
                                "200ms",       "--host-lease",
                                "1s"};
  for (const auto& a : testing::test_database_args()) args.push_back(a);
  testing::Login la, lb;
  testing::FourMatch m;
  {
    testing::ArenaProcess first(ARENA_BIN, args);
    Player a(first.port(), guest(first.port()));
    Player b(first.port(), guest(first.port()));
    la = a.login;
    lb = b.login;
    auto started = testing::start_four(a, b);
    ASSERT_TRUE(started);
    m = *started;
    ASSERT_TRUE(testing::play_moves(m, 4));    // two each, nobody has won
    testing::wait_checkpointed(first.port());  // the moves are in the store
    kill(first.pid(), SIGKILL);
  }
  testing::ArenaProcess second(ARENA_BIN, args);
  Player a(second.port(), la);
  Player b(second.port(), lb);
  auto snap = a.next("match.snapshot", 10s);
  ASSERT_TRUE(snap) << second.log();
  ASSERT_TRUE(b.next("match.snapshot", 5s));
  EXPECT_EQ(str(*snap, {"d", "match_id"}), m.id);
  const auto& state = snap->at("d").at("state");
  EXPECT_EQ(testing::pieces(state), 4) << state;
  m.players[0] = &a;
  m.players[1] = &b;
  m.to_move = static_cast<int>(state.at("to_move").as_int64());
  ASSERT_TRUE(testing::play_moves(m, 10));
  EXPECT_TRUE(m.won);
  const auto ended = testing::match_ended(a);
  ASSERT_TRUE(ended);
  EXPECT_FALSE(ended->at("d").at("result").as_object().contains("error")) << *ended;
  std::int64_t games = -1;
  for (int i = 0; i < 100 && games != 1; ++i) {  // bounded: 5 s
    games = testing::rated_games(second.port(), la.user_id);
    if (games != 1) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(games, 1);
}

}  // namespace
}  // namespace arena
