// The deployment files against the running code:
// - every metric the alert rules (deploy/prometheus/rules) and the Grafana dashboards
//   (deploy/grafana/dashboards) query is one a server serves: the server runs every role on
//   PostgreSQL, Redis, NATS (JetStream) and a bot policy, so the metrics of cluster mode are there
//   too (tools/js/check-metric-names.mjs parses the PromQL with Prometheus's own grammar);
// - every route of api/openapi.json reaches, through the Compose front door
//   (deploy/nginx/arena.conf) and the chart's Ingress, a process of a role that serves it
//   (tools/js/check-routes.mjs).
// Fixtures with a misspelt metric and a misrouted path show that each check fails.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

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

const std::string kSource = ARENA_SOURCE_DIR;

struct DeployFiles : ::testing::Test {
  testing::PostgresServer pg;
  testing::RedisServer redis;
  testing::NatsServer nats;
  testing::TempDir dir;
  std::string database = pg.create_database("arena");
  std::string keys = auth::KeyRing::generate_entry("k1");

  std::unique_ptr<testing::ArenaProcess> start(const std::string& node, const std::string& roles,
                                               std::vector<std::string> extra = {}) {
    const std::vector<std::string> cluster{"--database", database,   "--redis",         redis.url(),
                                           "--bus",      nats.url(), "--events-broker", nats.url()};
    extra.insert(extra.end(), cluster.begin(), cluster.end());
    return std::make_unique<testing::ArenaProcess>(ARENA_BIN,
                                                   testing::node_args(node, roles, dir.path().string(), keys, extra));
  }
};

TEST_F(DeployFiles, EveryMetricTheAlertsAndDashboardsQueryIsServedAndAMisspeltOneFails) {
  const auto arena = start("all-1", "all", {"--host-bot-policy", "127.0.0.1:9"});
  const auto resp = testing::HttpClient(arena->port()).get("/metrics");
  ASSERT_EQ(resp.status, 200) << resp.body;
  const auto metrics = dir.path() / "metrics.txt";
  std::ofstream(metrics) << resp.body;

  const std::string check = "cd " + kSource + " && node tools/js/check-metric-names.mjs " + metrics.string() + " ";
  const auto good = testing::run_command(check + "deploy/prometheus/rules/*.yml deploy/grafana/dashboards/*.json");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find(" 0 problems"), std::string::npos) << good.output;

  const auto bad = testing::run_command(check + "tests/deploy/misspelt_dashboard.json");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("gateway_session_open is not served by Arena"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("matchmaking_queue_tickets has no label game"), std::string::npos) << bad.output;
}

TEST_F(DeployFiles, TheFrontDoorsSendEveryRouteToARoleThatServesItAndAMisroutedOneFails) {
  std::vector<std::unique_ptr<testing::ArenaProcess>> procs;
  std::string role_args;
  for (const std::string role : {"auth", "gateway", "worker", "events"}) {
    procs.push_back(start(role + "-1", role));
    role_args += " --role " + role + "=http://127.0.0.1:" + std::to_string(procs.back()->port());
  }
  // The chart rendered with its Ingress on (tools/helm-render: Go's text/template, as Helm).
  const std::string render =
      "cd " + kSource + " && GO111MODULE=off GOPATH=/usr/share/gocode go build -o " +
      (dir.path() / "helm-render").string() + " ./tools/helm-render && " + (dir.path() / "helm-render").string() +
      " -f helm/arena/ci/production-values.yaml helm/arena > " + (dir.path() / "chart.yaml").string();
  const auto rendered = testing::run_command(render);
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;

  const std::string check = "cd " + kSource + " && node tools/js/check-routes.mjs api/openapi.json --ingress " +
                            (dir.path() / "chart.yaml").string() + role_args + " --nginx ";
  const auto good = testing::run_command(check + "deploy/nginx/arena.conf");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find(" 0 problems"), std::string::npos) << good.output;

  const auto bad = testing::run_command(check + "tests/deploy/misrouted_nginx.conf");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("nginx: POST /v1/auth/guest goes to worker, which answers 404 not_found"),
            std::string::npos)
      << bad.output;
}

}  // namespace
}  // namespace arena
