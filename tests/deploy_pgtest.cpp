// The deployment files against the code: every metric the alert rules (deploy/prometheus/rules)
// and the Grafana dashboards (deploy/grafana/dashboards) query is one a server serves. The server
// runs every role on PostgreSQL, Redis, NATS (JetStream) and a bot policy, so the metrics of
// cluster mode are there too. tools/js/check-metric-names.mjs does the parsing (PromQL by
// Prometheus's own grammar); a fixture dashboard with a misspelt name shows that it fails.
#include <gtest/gtest.h>

#include <fstream>

#include "arena/auth/jwt.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/nats_server.hpp"
#include "arena/testing/postgres_server.hpp"
#include "arena/testing/redis_server.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena {
namespace {

TEST(DeployFiles, EveryMetricTheAlertsAndDashboardsQueryIsServedAndAMisspeltOneFails) {
  testing::PostgresServer pg;
  testing::RedisServer redis;
  testing::NatsServer nats;
  testing::TempDir dir;
  testing::ArenaProcess arena(
      ARENA_BIN, testing::node_args("all-1", "all", dir.path().string(), auth::KeyRing::generate_entry("k1"),
                                    {"--database", pg.create_database("arena"), "--redis", redis.url(), "--bus",
                                     nats.url(), "--events-broker", nats.url(), "--host-bot-policy", "127.0.0.1:9"}));
  const auto resp = testing::HttpClient(arena.port()).get("/metrics");
  ASSERT_EQ(resp.status, 200) << resp.body;
  const auto metrics = dir.path() / "metrics.txt";
  std::ofstream(metrics) << resp.body;

  const std::string src = ARENA_SOURCE_DIR;
  const std::string check = "cd " + src + " && node tools/js/check-metric-names.mjs " + metrics.string() + " ";
  const auto good = testing::run_command(check + "deploy/prometheus/rules/*.yml deploy/grafana/dashboards/*.json");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find(" 0 problems"), std::string::npos) << good.output;

  const auto bad = testing::run_command(check + "tests/deploy/misspelt_dashboard.json");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("gateway_session_open is not served by Arena"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("matchmaking_queue_tickets has no label game"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace arena
