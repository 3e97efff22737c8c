// Game events end to end, over real sockets: two players log in, queue, play a duel of four, and
// the events role writes what every role emitted into the events table, where operators read it
// over /v1/admin/events. Built three times: on SQLite (integration tier), on PostgreSQL (pg tier,
// with tests/pg_backend.cpp), and over RabbitMQ into SQLite (rabbitmq tier, tests/rabbitmq_backend.cpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <map>

#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/test_database.hpp"
#include "arena/testing/test_server.hpp"
#include "four_game.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::guest;
using testing::HttpClient;
using testing::Player;
using testing::str;
using testing::TestServer;
namespace json = boost::json;

const std::string kAdminKey(40, 'k');

void duel_with_events(config::Settings& s) {
  s.matchmaking.interval = 20ms;
  s.matchmaking.modes["duel4"] = {{"game", "four"}, {"regions", "eu"}, {"bots_after_s", "0"}, {"tick_rate", "20"}};
  s.events.batch_timeout = 20ms;
  s.admin_key = kAdminKey;
}

json::array events(HttpClient& http, const std::string& query) {
  auto r = http.get("/v1/admin/events" + query, kAdminKey);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json().at("events").as_array() : json::array{};
}

// What `get` returns once `done` says so (bounded: 10 s): the consumer writes in batches and the
// jobs run on the test server's clock, so the test asks again rather than guessing a time.
json::array poll(TestServer& server, const std::function<json::array()>& get,
                 const std::function<bool(const json::array&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto rows = get();
    if (done(rows) || std::chrono::steady_clock::now() > deadline) return rows;
    server.advance(10ms);  // wall time stands still in the test server; the consumer's waits are real
    std::this_thread::sleep_for(20ms);
  }
}

// The events `query` finds, once `n` of them are of `type`.
json::array events_once(TestServer& server, HttpClient& http, const std::string& query, const std::string& type,
                        std::size_t n = 1) {
  return poll(
      server, [&] { return events(http, query); },
      [&](const json::array& rows) {
        const auto seen = std::count_if(rows.begin(), rows.end(),
                                        [&](const json::value& e) { return e.at("type").as_string() == type; });
        return static_cast<std::size_t>(seen) >= n;
      });
}

// Runs one SQL statement on the test's database (what a crash would have left).
void exec_sql(const TestServer& server, const std::string& sql) {
  if (const auto url = testing::test_database(); !url.empty()) {
    storage::PgPool pool({.url = url, .size = 1});
    pool.with([&](storage::Pg& c) { c.query(sql); });
    return;
  }
  auto db = storage::Sqlite::open(std::filesystem::path(server.settings().data_dir) / "arena.db");
  db->with([&](storage::Sqlite& c) { c.prepare(sql).exec(); });
}

// The hourly roll-ups of `metric`, once there are any.
json::array stats_once(TestServer& server, HttpClient& http, const std::string& metric) {
  return poll(
      server,
      [&] {
        auto r = http.get("/v1/admin/stats/hourly?since=0&metric=" + metric, kAdminKey);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.json().at("stats").as_array() : json::array{};
      },
      [](const json::array& rows) { return !rows.empty(); });
}

TEST(GameEvents, AMatchLeavesItsStoryInTheEventsTableOnceEach) {
  TestServer server(duel_with_events);
  Player a(server.port(), guest(server.port()));
  Player b(server.port(), guest(server.port()));
  const auto ended = testing::play_four(a, b);
  ASSERT_TRUE(ended.is_object());
  const std::string id = str(ended, {"d", "match_id"});
  HttpClient http(server.port());
  // The consumer writes batches at once (events.writers): one type may show before another.
  events_once(server, http, "?match_id=" + id, "mm.matched");
  events_once(server, http, "?match_id=" + id, "match.started");
  const auto rows = events_once(server, http, "?match_id=" + id, "match.ended");
  std::map<std::string, int> count;
  for (const auto& e : rows) ++count[std::string(e.at("type").as_string())];
  EXPECT_EQ(count["mm.matched"], 1) << json::serialize(rows);
  EXPECT_EQ(count["match.started"], 1);
  EXPECT_EQ(count["match.ended"], 1);
  for (const auto& e : rows) {
    EXPECT_EQ(e.at("mode"), "duel4");
    EXPECT_EQ(e.at("match_id"), json::value(id));
    EXPECT_EQ(e.at("id").as_string().size(), 36u);
  }
  for (const auto& e : rows) {
    if (e.at("type") == "match.ended") {
      EXPECT_EQ(e.at("data").at("game"), "four");
      EXPECT_EQ(e.at("data").at("placements").as_array().size(), 2u);
      EXPECT_EQ(e.at("region"), "eu");
    }
    if (e.at("type") == "match.started") {
      EXPECT_EQ(e.at("data").at("bots"), 0);
    }
  }
  // The rating job rated both players: rating.changed for each, after the result was stored.
  const auto rated = events_once(server, http, "?type=rating.changed&match_id=" + id, "rating.changed", 2);
  ASSERT_EQ(rated.size(), 2u) << json::serialize(rated);
  for (const auto& e : rated) {
    EXPECT_TRUE(e.at("user_id") == json::value(a.login.user_id) || e.at("user_id") == json::value(b.login.user_id));
    EXPECT_TRUE(e.at("data").at("after").is_number());
  }
  // `arena events tail` prints them from the same database, one JSON line each.
  const auto tailed =
      testing::run_command(std::string(ARENA_BIN) + " events tail --type match.ended --since 0 --seconds 1 " +
                           "--data-dir " + server.settings().data_dir + testing::test_database_flag());
  EXPECT_EQ(tailed.exit_code, 0) << tailed.output;
  ASSERT_EQ(std::count(tailed.output.begin(), tailed.output.end(), '\n'), 1) << tailed.output;
  const auto line = json::parse(tailed.output).as_object();
  EXPECT_EQ(line.at("type"), "match.ended");
  EXPECT_EQ(line.at("match_id"), json::value(id));
  // After the hour ends, the recurring job events.rollup (minute 5) rolls it up.
  server.advance(std::chrono::minutes(66));
  const auto matches = stats_once(server, http, "matches");
  ASSERT_EQ(matches.size(), 1u) << json::serialize(matches);
  EXPECT_EQ(matches.at(0).at("key"), "duel4");
  EXPECT_EQ(matches.at(0).at("value").to_number<double>(), 1);
  const auto by_method = stats_once(server, http, "logins");
  ASSERT_EQ(by_method.size(), 1u) << json::serialize(by_method);
  EXPECT_EQ(by_method.at(0).at("key"), "guest");
  EXPECT_EQ(by_method.at(0).at("value").to_number<double>(), 2);
  auto bad_metric = http.get("/v1/admin/stats/hourly?metric=wat", kAdminKey);
  EXPECT_EQ(bad_metric.status, 400);
  EXPECT_EQ(bad_metric.error_code(), "invalid_field");
  // A process that died between storing the result (and the ratings) and publishing their events:
  // the job events.republish (every 10 minutes) emits them again from the durable rows.
  exec_sql(server, "DELETE FROM events WHERE type IN ('match.ended', 'rating.changed')");
  server.advance(std::chrono::minutes(11));
  events_once(server, http, "?match_id=" + id, "rating.changed", 2);
  const auto again = events_once(server, http, "?match_id=" + id, "match.ended");
  std::map<std::string, int> back;
  for (const auto& e : again) {
    ++back[std::string(e.at("type").as_string())];
    if (e.at("type") == "match.ended" || e.at("type") == "rating.changed") {
      EXPECT_EQ(e.at("data").at("republished"), true);
    }
  }
  EXPECT_EQ(back["match.ended"], 1) << json::serialize(again);
  EXPECT_EQ(back["rating.changed"], 2);
  // Each player's own story: a login, a session, a ticket.
  for (auto* p : {&a, &b}) {
    auto mine = events(http, "?user_id=" + p->login.user_id);
    std::map<std::string, int> n;
    for (const auto& e : mine) ++n[std::string(e.at("type").as_string())];
    EXPECT_EQ(n["auth.login"], 1) << json::serialize(mine);
    EXPECT_EQ(n["session.opened"], 1);
    EXPECT_EQ(n["mm.queued"], 1);
    for (const auto& e : mine)
      if (e.at("type") == "auth.login") {
        EXPECT_EQ(e.at("data").at("method"), "guest");
        EXPECT_EQ(e.at("data").at("new_account"), true);
      }
  }
  // Filters and the cursor: pages of two cover the type once, in order.
  const auto logins = events(http, "?type=auth.login");
  EXPECT_EQ(logins.size(), 2u);
  auto page = http.get("/v1/admin/events?limit=1&type=auth.login", kAdminKey).json();
  ASSERT_FALSE(page.at("next_cursor").is_null());
  auto next =
      http.get("/v1/admin/events?limit=1&type=auth.login&cursor=" + std::string(page.at("next_cursor").as_string()),
               kAdminKey)
          .json();
  ASSERT_EQ(next.at("events").as_array().size(), 1u);
  EXPECT_EQ(next.at("events").at(0).at("id"), logins.at(1).at("id"));
  EXPECT_EQ(events(http, "?since=0&until=1").size(), 0u);
  // Bad parameters get a stable code.
  auto bad = http.get("/v1/admin/events?limit=0", kAdminKey);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "invalid_field");
  bad = http.get("/v1/admin/events?since=yesterday", kAdminKey);
  EXPECT_EQ(bad.status, 400);
}

TEST(GameEvents, APartyIsFormedWhenItsSecondPlayerJoins) {
  TestServer server(duel_with_events);
  Player lead(server.port(), guest(server.port()));
  Player mate(server.port(), guest(server.port()));
  const auto created = lead.request("party.create", {}, 1);
  const std::string party = str(created, {"d", "party_id"});
  lead.request("party.invite", {{"user_id", mate.login.user_id}}, 2);
  ASSERT_TRUE(mate.next("party.invite"));
  mate.request("party.accept", {{"party_id", party}}, 1);
  HttpClient http(server.port());
  const auto rows = events_once(server, http, "?type=party.formed", "party.formed");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.at(0).at("user_id"), json::value(lead.login.user_id));
  EXPECT_EQ(rows.at(0).at("data").at("party_id"), json::value(party));
  EXPECT_EQ(rows.at(0).at("data").at("members").as_array().size(), 2u);
}

TEST(GameEvents, OnlyOperatorsReadThem) {
  TestServer server(duel_with_events);
  const auto player = guest(server.port());
  HttpClient http(server.port());
  for (const std::string route : {"/v1/admin/events", "/v1/admin/stats/hourly", "/v1/admin/events/dead"}) {
    auto r = http.get(route, player.token);
    EXPECT_EQ(r.status, 403) << route;
    EXPECT_EQ(r.error_code(), "admin_only") << route;
    r = http.get(route);
    EXPECT_EQ(r.status, 401) << route;
    EXPECT_EQ(r.error_code(), "unauthorized") << route;
    r = http.get(route, std::string(40, 'x'));
    EXPECT_EQ(r.status, 401) << route;
    r = http.get(route + "?limit=0", kAdminKey);
    EXPECT_EQ(r.status, 400) << route;
    EXPECT_EQ(r.error_code(), "invalid_field") << route;
    r = http.get(route, kAdminKey);
    EXPECT_EQ(r.status, 200) << route << ": " << r.body;
  }
  const auto dead = http.get("/v1/admin/events/dead", kAdminKey);
  EXPECT_TRUE(dead.json().at("dead_letters").as_array().empty());
}

TEST(GameEvents, WithoutAnAdminKeyTheRoutesAreOff) {
  TestServer server;
  HttpClient http(server.port());
  auto r = http.get("/v1/admin/events", std::string(40, 'k'));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "admin_off");
}

}  // namespace
}  // namespace arena
