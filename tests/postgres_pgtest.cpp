// PostgreSQL tier: real `arena` processes over a throwaway PostgreSQL (setting `database`).
// Two auth processes share one database: an account made through one is the account the other
// finds; a refresh token rotated by one is spent for the other. While PostgreSQL is down,
// logins answer 503 storage_unavailable and /readyz is not ready; after, both serve again.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "arena/auth/jwt.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/postgres_server.hpp"
#include "arena/testing/temp_dir.hpp"

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
    return {"serve",
            "--listen",
            "127.0.0.1:0",
            "--node-id",
            node,
            "--roles",
            roles,
            "--data-dir",
            (dir.path() / node).string(),
            "--database",
            url,
            "--auth-jwt-keys",
            keys,
            "--http-access-log",
            "false",
            "--postgres-wait",
            "300ms",
            "--postgres-attempts",
            "1"};
  }
};

json::object device_login(HttpClient& http, const std::string& device) {
  const auto r = http.post_json("/v1/auth/device", R"({"device_id":")" + device + R"("})");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json().as_object() : json::object{};
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
  env.pg.start();
  // The pool lends no connection the restart closed: the first login after succeeds.
  const auto after = http.post_json("/v1/auth/device", R"({"device_id":"device-after-1"})");
  EXPECT_EQ(after.status, 200) << after.body;
  const auto back = device_login(http, "device-before-1");  // the account from before is there
  EXPECT_TRUE(back.contains("user_id"));
  EXPECT_EQ(http.get("/readyz").status, 200);
  EXPECT_EQ(one.stop(), 0);
}

TEST(PostgresCluster, RolesWithoutAPostgresStoreRefuseToStartAndMigrateReportsTheSchema) {
  PgEnv env;
  EXPECT_THROW(ArenaProcess(ARENA_BIN, env.args("all-1", "all")), std::runtime_error);
  const auto status =
      testing::run_command(std::string(ARENA_BIN) + " migrate status --database '" + env.url + "' 2>&1");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("pending   1  accounts"), std::string::npos) << status.output;
  const auto up = testing::run_command(std::string(ARENA_BIN) + " migrate up --database '" + env.url + "' 2>&1");
  EXPECT_EQ(up.exit_code, 0) << up.output;
  const auto after = testing::run_command(std::string(ARENA_BIN) + " migrate status --database '" + env.url + "' 2>&1");
  EXPECT_NE(after.output.find("applied   1  accounts"), std::string::npos) << after.output;
  EXPECT_NE(after.output.find("applied   5  leaderboards"), std::string::npos) << after.output;
}

}  // namespace
}  // namespace arena
