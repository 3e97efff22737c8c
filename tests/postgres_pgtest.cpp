// PostgreSQL tier: real `arena` processes over a throwaway PostgreSQL (setting `database`).
// Two auth processes share one database: an account made through one is the account the other
// finds; a refresh token rotated by one is spent for the other. While PostgreSQL is down,
// logins answer 503 storage_unavailable, /readyz is not ready and the failures are counted; after,
// both serve again. Every role runs on PostgreSQL; a match played in one process is rated by one
// of two worker processes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <thread>

#include "arena/auth/jwt.hpp"
#include "arena/storage/redis.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/nats_server.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/postgres_server.hpp"
#include "arena/testing/redis_server.hpp"
#include "arena/testing/temp_dir.hpp"
#include "four_game.hpp"

namespace arena {
namespace {

namespace json = boost::json;
using testing::ArenaProcess;
using testing::HttpClient;

struct PgEnv {
  testing::PostgresServer pg;
  std::string url = pg.create_database("arena");
  testing::TempDir dir;
  std::string keys = auth::KeyRing::generate_entry("k1");

  std::vector<std::string> args(const std::string& node, const std::string& roles = "auth,gateway,sessions") const {
    return testing::node_args(node, roles, dir.path().string(), keys,
                              {"--database", url, "--postgres-wait", "300ms", "--postgres-attempts", "1"});
  }
  // The args of a process that plays duel4 (a config written once) and forms matches fast, plus
  // `extra`.
  std::vector<std::string> duel4_args(const std::string& node, const std::string& roles,
                                      const std::vector<std::string>& extra = {}) {
    if (config.empty()) config = duel4_config();
    auto a = args(node, roles);
    for (const std::string& e :
         {std::string("--config"), config, std::string("--matchmaking-interval"), std::string("20ms")})
      a.push_back(e);
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::string config;
  // A config file with mode duel4: a game of four between two players, no bots.
  std::string duel4_config() const {
    const std::string path = (dir.path() / "arena.toml").string();
    std::ofstream(path) << "[matchmaking.modes.duel4]\ngame = \"four\"\nregions = [\"eu\"]\nbots_after_s = 0\n"
                           "tick_rate = 20\nrating_window = 1000\nrating_window_max = 1000\n";
    return path;
  }
};

json::object device_login(HttpClient& http, const std::string& device) {
  const auto r = http.post_json("/v1/auth/device", R"({"device_id":")" + device + R"("})");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json().as_object() : json::object{};
}

// Both players on the mode's board, 1 and 2 (either way round), as each process says.
void expect_ranked_one_and_two(std::initializer_list<std::uint16_t> ports, const std::string& a, const std::string& b) {
  for (const auto port : ports) {
    const auto ra = testing::board_rank(port, a), rb = testing::board_rank(port, b);
    EXPECT_EQ(std::min(ra, rb), 1) << port;
    EXPECT_EQ(std::max(ra, rb), 2) << port;
  }
}

// The user's one rated game shows (bounded: 5 s).
bool eventually_rated(std::uint16_t port, const std::string& user) {
  for (int i = 0; i < 100; ++i) {
    if (testing::rated_games(port, user) == 1) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(PostgresCluster, TwoAuthProcessesShareAccountsAndRefreshTokens) {
  PgEnv env;
  ArenaProcess one(ARENA_BIN, env.args("auth-1"));
  ArenaProcess two(ARENA_BIN, env.args("auth-2"));
  HttpClient a(one.port()), b(two.port());
  const auto first = device_login(a, "device-shared-1");
  const auto again = device_login(b, "device-shared-1");
  ASSERT_TRUE(first.contains("user_id") && again.contains("user_id"));
  EXPECT_EQ(first.at("user_id"), again.at("user_id"));  // one account, whichever process
  // A token rotated through process 1 is spent for process 2 too: its reuse ends the login.
  const std::string token(first.at("refresh_token").as_string());
  const auto rotated = a.post_json("/v1/auth/refresh", R"({"refresh_token":")" + token + R"("})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto reused = b.post_json("/v1/auth/refresh", R"({"refresh_token":")" + token + R"("})");
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(reused.error_code(), "refresh_token_reused");
  const std::string next(rotated.json().at("refresh_token").as_string());
  const auto after = b.post_json("/v1/auth/refresh", R"({"refresh_token":")" + next + R"("})");
  EXPECT_EQ(after.error_code(), "refresh_token_revoked");
  EXPECT_EQ(a.get("/readyz").status, 200);
  EXPECT_EQ(one.stop(), 0);
  EXPECT_EQ(two.stop(), 0);
}

TEST(PostgresCluster, WhilePostgresIsDownLoginsAnswer503AndServeAgainAfter) {
  PgEnv env;
  ArenaProcess one(ARENA_BIN, env.args("auth-1"));
  HttpClient http(one.port());
  device_login(http, "device-before-1");
  env.pg.stop();
  const auto down = http.post_json("/v1/auth/device", R"({"device_id":"device-during-1"})");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.error_code(), "storage_unavailable");
  EXPECT_EQ(down.headers.count("retry-after"), 1u);
  EXPECT_EQ(http.get("/readyz").status, 503);
  // Counted for the alert rules (deploy/prometheus: ArenaPostgresErrors), by kind.
  const auto metrics = http.get("/metrics").body;
  EXPECT_TRUE(metrics.find("arena_postgres_errors_total{kind=\"connection\"} ") != std::string::npos ||
              metrics.find("arena_postgres_errors_total{kind=\"unavailable\"} ") != std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("arena_postgres_errors_total{kind=\"query\"} "), std::string::npos) << metrics;
  env.pg.start();
  // The pool lends no connection the restart closed: the first login after succeeds.
  const auto after = http.post_json("/v1/auth/device", R"({"device_id":"device-after-1"})");
  EXPECT_EQ(after.status, 200) << after.body;
  const auto back = device_login(http, "device-before-1");  // the account from before is there
  EXPECT_TRUE(back.contains("user_id"));
  EXPECT_EQ(http.get("/readyz").status, 200);
  EXPECT_EQ(one.stop(), 0);
}

TEST(PostgresCluster, MigrateReportsTheSchemaAndAllRolesServeFromPostgres) {
  PgEnv env;
  const auto status =
      testing::run_command(std::string(ARENA_BIN) + " migrate status --database '" + env.url + "' 2>&1");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("pending   1  accounts"), std::string::npos) << status.output;
  const auto up = testing::run_command(std::string(ARENA_BIN) + " migrate up --database '" + env.url + "' 2>&1");
  EXPECT_EQ(up.exit_code, 0) << up.output;
  const auto after = testing::run_command(std::string(ARENA_BIN) + " migrate status --database '" + env.url + "' 2>&1");
  EXPECT_NE(after.output.find("applied   1  accounts"), std::string::npos) << after.output;
  EXPECT_NE(after.output.find("applied   5  leaderboards"), std::string::npos) << after.output;
  // Every role in one process, its data in PostgreSQL: ready, with the worker's queue reachable.
  ArenaProcess all(ARENA_BIN, env.args("all-1", "all"));
  HttpClient http(all.port());
  const auto ready = http.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"jobs\":\"ok\""), std::string::npos) << ready.body;
  EXPECT_EQ(http.get("/v1/leaderboards/duel").status, 200);
  EXPECT_EQ(all.stop(), 0);
}

// A cluster's shape: one process plays the match (auth, gateway, sessions, matchmaker, host) and
// stores its result with its rating job; two worker processes, which share nothing with it but
// the database, wake on the job's NOTIFY, and one of them rates the match, once. Each serves the
// outcome over REST, as any worker does.
TEST(PostgresCluster, AMatchPlayedInOneProcessIsRatedOnceByOneOfTwoWorkerProcesses) {
  PgEnv env;
  // A long poll: a worker that finds the job soon was woken by NOTIFY, not by its poll.
  auto with = [&](const std::string& node, const std::string& roles) {
    return env.duel4_args(node, roles, {"--jobs-poll-interval", "30s"});
  };
  ArenaProcess front(ARENA_BIN, with("front-1", "auth,gateway,sessions,matchmaker,host"));
  ArenaProcess w1(ARENA_BIN, with("worker-1", "worker"));
  ArenaProcess w2(ARENA_BIN, with("worker-2", "worker"));
  testing::Player a(front.port(), testing::guest(front.port()));
  testing::Player b(front.port(), testing::guest(front.port()));
  ASSERT_TRUE(testing::play_four(a, b).is_object());
  HttpClient one(w1.port()), two(w2.port());
  bool rated = false;
  for (int i = 0; i < 200 && !rated; ++i) {  // bounded: 10 s, a third of one poll interval
    rated =
        testing::rated_games(w1.port(), a.login.user_id) == 1 && testing::rated_games(w1.port(), b.login.user_id) == 1;
    if (!rated) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(rated) << w1.log() << w2.log();
  EXPECT_EQ(testing::rated_games(w2.port(), a.login.user_id), 1);  // the other worker reads the same
  // Ranks too, whichever worker rated the match: 1 and 2 on the mode's board from either.
  expect_ranked_one_and_two({w1.port(), w2.port()}, a.login.user_id, b.login.user_id);
  const auto history = two.get("/v1/players/" + a.login.user_id + "/matches");
  ASSERT_EQ(history.status, 200) << history.body;
  const auto played = history.json();
  ASSERT_EQ(played.at("matches").as_array().size(), 1u);
  EXPECT_TRUE(played.at("matches").at(0).at("rating").is_object());
  const auto board = one.get("/v1/leaderboards/duel4");
  ASSERT_EQ(board.status, 200) << board.body;
  EXPECT_EQ(board.json().at("entries").as_array().size(), 2u);
  const auto listed = testing::run_command(std::string(ARENA_BIN) + " jobs list --kind rating.update --database '" +
                                           env.url + "' 2>&1");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("completed\tratings\trating.update\t1/25"), std::string::npos) << listed.output;
  EXPECT_EQ(front.stop(), 0);
  EXPECT_EQ(w1.stop(), 0);
  EXPECT_EQ(w2.stop(), 0);
}

// Two matchmaker processes: the one holding the leader lock forms the matches; SIGKILLed, its lock
// goes with its connection and the other forms the next match within seconds.
TEST(PostgresCluster, WhenTheLeadingMatchmakerDiesTheOtherFormsMatchesWithinSeconds) {
  PgEnv env;
  testing::NatsServer nats;
  auto with = [&](const std::string& node, const std::string& roles) {
    return env.duel4_args(node, roles, {"--bus", nats.url()});
  };
  auto leading = [](std::uint16_t port) {
    return HttpClient(port).get("/metrics").body.find("\nmatchmaker_leader 1\n") != std::string::npos;
  };
  auto wait_leading = [&](std::uint16_t port) {
    for (int i = 0; i < 150; ++i) {  // bounded: 15 s (an election a second)
      if (leading(port)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ArenaProcess front(ARENA_BIN, with("front-1", "auth,gateway,sessions,host,worker"));
  auto first = std::make_unique<ArenaProcess>(ARENA_BIN, with("mm-1", "matchmaker"));
  ASSERT_TRUE(wait_leading(first->port())) << first->log();
  ArenaProcess second(ARENA_BIN, with("mm-2", "matchmaker"));
  EXPECT_FALSE(leading(second.port()));  // a standby: it does not form matches
  testing::Player a(front.port(), testing::guest(front.port()));
  testing::Player b(front.port(), testing::guest(front.port()));
  ASSERT_TRUE(testing::play_four(a, b).is_object());
  ::kill(first->pid(), SIGKILL);
  first.reset();
  ASSERT_TRUE(wait_leading(second.port())) << second.log();
  ASSERT_TRUE(testing::play_four(a, b).is_object());  // formed by the new leader
  EXPECT_EQ(front.stop(), 0);
  EXPECT_EQ(second.stop(), 0);
}

// Two host processes: SIGKILLed mid-match, the host running it stops renewing its lease; the
// other adopts the match within seconds, replays it to its last checkpoint (the moves made so
// far), sends both players a snapshot, and the game goes on to its end there: rated once.
TEST(PostgresCluster, WhenAHostDiesMidMatchAnotherPlaysTheMatchOn) {
  PgEnv env;
  testing::NatsServer nats;
  auto with = [&](const std::string& node, const std::string& roles) {
    return env.duel4_args(node, roles,
                          {"--bus", nats.url(), "--host-checkpoint-interval", "200ms", "--host-lease", "1s"});
  };
  ArenaProcess front(ARENA_BIN, with("front-1", "auth,gateway,sessions,matchmaker,worker"));
  std::unique_ptr<ArenaProcess> hosts[2] = {std::make_unique<ArenaProcess>(ARENA_BIN, with("host-1", "host")),
                                            std::make_unique<ArenaProcess>(ARENA_BIN, with("host-2", "host"))};
  testing::Player a(front.port(), testing::guest(front.port()));
  testing::Player b(front.port(), testing::guest(front.port()));
  auto m = testing::start_four(a, b);
  ASSERT_TRUE(m);
  ASSERT_TRUE(testing::play_moves(*m, 4));  // two each, nobody has won
  const int running = testing::metric(hosts[0]->port(), "game_matches_active") == 1 ? 0 : 1;
  ASSERT_EQ(testing::metric(hosts[running]->port(), "game_matches_active"), 1);
  testing::wait_checkpointed(hosts[running]->port());  // the moves are in the store
  ::kill(hosts[running]->pid(), SIGKILL);
  hosts[running].reset();
  auto& other = *hosts[1 - running];
  // The other host's snapshot: the moves made before the kill are on the board.
  auto snap = a.next("match.snapshot", std::chrono::seconds(10));
  ASSERT_TRUE(snap) << other.log();
  (void)b.next("match.snapshot");
  const auto& state = snap->at("d").at("state");
  EXPECT_EQ(testing::pieces(state), 4) << state;
  m->to_move = static_cast<int>(state.at("to_move").as_int64());
  ASSERT_TRUE(testing::play_moves(*m, 10));
  EXPECT_TRUE(m->won);
  const auto ended = testing::match_ended(a);
  ASSERT_TRUE(ended);
  EXPECT_FALSE(ended->at("d").at("result").as_object().contains("error")) << *ended;
  EXPECT_TRUE(testing::match_ended(b));
  EXPECT_EQ(testing::metric(other.port(), "host_matches_adopted_total"), 1);
  // Rated once, by the worker, from the result the adopting host stored.
  EXPECT_TRUE(eventually_rated(front.port(), a.login.user_id));
  EXPECT_EQ(front.stop(), 0);
  EXPECT_EQ(other.stop(), 0);
}

// With Redis, the worker processes keep the boards' rank index there: the ranks either worker
// answers come from the sorted set one of them loaded and both keep.
TEST(PostgresCluster, WithRedisTheWorkersShareTheRankIndex) {
  PgEnv env;
  testing::RedisServer redis;
  auto with = [&](const std::string& node, const std::string& roles) {
    return env.duel4_args(node, roles, {"--redis", redis.url()});
  };
  ArenaProcess front(ARENA_BIN, with("front-1", "auth,gateway,sessions,matchmaker,host"));
  ArenaProcess w1(ARENA_BIN, with("worker-1", "worker"));
  ArenaProcess w2(ARENA_BIN, with("worker-2", "worker"));
  testing::Player a(front.port(), testing::guest(front.port()));
  testing::Player b(front.port(), testing::guest(front.port()));
  ASSERT_TRUE(testing::play_four(a, b).is_object());
  bool ranked = false;
  for (int i = 0; i < 200 && !ranked; ++i) {  // bounded: 10 s
    ranked = testing::board_rank(w1.port(), a.login.user_id) > 0 && testing::board_rank(w1.port(), b.login.user_id) > 0;
    if (!ranked) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(ranked) << w1.log() << w2.log();
  expect_ranked_one_and_two({w1.port(), w2.port()}, a.login.user_id, b.login.user_id);
  storage::RedisPool pool({.url = redis.url(), .size = 1});
  const auto ready = pool.command({"KEYS", "arena:lb:ready:duel4:*"});
  EXPECT_EQ(ready.elements.size(), 1u);  // loaded once, in Redis
  const auto members = pool.command({"KEYS", "arena:lb:z:duel4:*"});
  ASSERT_EQ(members.elements.size(), 1u);
  EXPECT_EQ(pool.command({"ZCARD", members.elements[0].str}).integer, 2);
  EXPECT_EQ(front.stop(), 0);
  EXPECT_EQ(w1.stop(), 0);
  EXPECT_EQ(w2.stop(), 0);
}

}  // namespace
}  // namespace arena
