// Redis tier: real `arena` processes sharing a throwaway redis-server (setting `redis`). Two auth
// processes meet one login limit per address: attempts spread over both are counted together.
// While Redis is down each process limits on its own, /readyz says Redis is unreachable and the
// failures are counted; after Redis is back, the shared limit and readiness return.
#include <gtest/gtest.h>

#include <ctime>

#include "arena/auth/jwt.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/redis_server.hpp"
#include "arena/testing/temp_dir.hpp"
#include "arena/testing/ws_client.hpp"

#include <thread>

namespace arena {
namespace {

using testing::ArenaProcess;
using testing::HttpClient;

struct RedisEnv {
  testing::RedisServer redis;
  testing::TempDir dir;
  std::string keys = auth::KeyRing::generate_entry("k1");

  std::vector<std::string> args(const std::string& node, const std::string& roles = "auth") const {
    return testing::node_args(
        node, roles, dir.path().string(), keys,
        {"--redis", redis.url(), "--auth-ip-burst", "3", "--auth-ip-per-minute", "1", "--redis-timeout", "200ms"});
  }
};

int login(HttpClient& http) {  // an attempt with a wrong password: counted, then refused
  return http.post_json("/v1/auth/login", R"({"email":"nobody@example.com","password":"wrong-password-1"})").status;
}

TEST(RedisCluster, TwoAuthProcessesShareOneLoginLimitPerAddress) {
  RedisEnv env;
  ArenaProcess one(ARENA_BIN, env.args("auth-1"));
  ArenaProcess two(ARENA_BIN, env.args("auth-2"));
  HttpClient a(one.port()), b(two.port());
  EXPECT_EQ(login(a), 401);
  EXPECT_EQ(login(b), 401);
  EXPECT_EQ(login(a), 401);
  const auto limited = b.post_json("/v1/auth/login", R"({"email":"nobody@example.com","password":"wrong-password-1"})");
  EXPECT_EQ(limited.status, 429) << limited.body;  // the fourth from this address, through either process
  EXPECT_EQ(limited.error_code(), "rate_limited");
  EXPECT_EQ(limited.headers.count("retry-after"), 1u);
  const auto ready = a.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"redis\":\"ok\""), std::string::npos) << ready.body;
  EXPECT_EQ(one.stop(), 0);
  EXPECT_EQ(two.stop(), 0);
}

TEST(RedisCluster, WhileRedisIsDownEachProcessLimitsAloneAndIsNotReady) {
  RedisEnv env;
  ArenaProcess one(ARENA_BIN, env.args("auth-1"));
  HttpClient a(one.port());
  EXPECT_EQ(login(a), 401);
  env.redis.stop();
  // This process's own buckets: three more attempts, then limited, as without Redis.
  EXPECT_EQ(login(a), 401);
  EXPECT_EQ(login(a), 401);
  EXPECT_EQ(login(a), 401);
  EXPECT_EQ(login(a), 429);
  const auto down = a.get("/readyz");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.error_code(), "not_ready");
  // Two buckets per attempt (address, account) while the address had tokens; one for the last.
  const auto metrics = a.get("/metrics").body;
  EXPECT_NE(metrics.find("arena_redis_errors_total{use=\"rate_limit\"} 7\n"), std::string::npos) << metrics;
  env.redis.start();
  EXPECT_EQ(a.get("/readyz").status, 200);
  EXPECT_EQ(login(a), 401);  // Redis's bucket again (the restart emptied it)
  EXPECT_EQ(one.stop(), 0);
}

// Two gateways count each address's WebSocket upgrades together (a burst of 3 and 1 a minute
// each: 4 a minute for the cluster). The counts meet in Redis every sweep, so once the address is
// over, a gateway that has used only two of its own burst refuses it too.
TEST(RedisCluster, TwoGatewaysCountUpgradesPerAddressTogether) {
  auto gateway = [](const RedisEnv& env, const std::string& node, const std::string& roles) {
    auto a = env.args(node, roles);
    for (const char* extra : {"--gateway-upgrades-per-ip-burst", "3", "--gateway-upgrades-per-ip-per-minute", "1"})
      a.emplace_back(extra);
    return a;
  };
  auto syncs = [](std::uint16_t port) -> long {
    const std::string name = "gateway_upgrade_limit_syncs_total{result=\"ok\"} ";
    const auto body = HttpClient(port).get("/metrics").body;
    const auto at = body.find(name);
    return at == std::string::npos ? 0 : std::stol(body.substr(at + name.size()));
  };
  // The shared counts live in fixed one-minute windows of the wall clock: a run that crosses into
  // the next minute starts counting again half-way, so it proves nothing and runs once more, on a
  // fresh Redis (the first run's upgrades after the crossing would count in the second's window)
  // with fresh gateways (each also keeps its own per-IP bucket).
  const auto minute = [] { return std::time(nullptr) / 60; };
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto started = minute();
    RedisEnv env;
    ArenaProcess one(ARENA_BIN, gateway(env, "gw-1-" + std::to_string(attempt), "auth,gateway"));
    ArenaProcess two(ARENA_BIN, gateway(env, "gw-2-" + std::to_string(attempt), "gateway"));
    const auto login = testing::guest(one.port());
    auto synced = [&] {  // both gateways swept twice more: what each counted is in Redis, and known
      const long a = syncs(one.port()), b = syncs(two.port());
      for (int i = 0; i < 100 && (syncs(one.port()) < a + 2 || syncs(two.port()) < b + 2); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // bounded: 5 s (a sweep every 200 ms)
    };
    std::vector<std::unique_ptr<testing::WsClient>> open;
    for (auto port : {one.port(), one.port(), two.port(), two.port()}) {
      open.push_back(std::make_unique<testing::WsClient>(port, testing::WsOptions{.token = login.token}));
      ASSERT_TRUE(open.back()->recv_op("session.welcome"));
    }
    synced();  // four: the cluster's limit, not past it
    open.push_back(std::make_unique<testing::WsClient>(one.port(), testing::WsOptions{.token = login.token}));
    ASSERT_TRUE(open.back()->recv_op("session.welcome"));
    synced();  // five: past it
    testing::Refusal refused;
    bool was_refused = false;
    try {
      refused = testing::ws_refused(two.port(), {.token = login.token});
      was_refused = true;
    } catch (const std::exception&) {  // accepted
    }
    open.clear();
    EXPECT_EQ(one.stop(), 0);
    EXPECT_EQ(two.stop(), 0);
    if (minute() != started && attempt == 0) continue;
    ASSERT_TRUE(was_refused) << "the sixth upgrade was accepted";
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_NE(refused.body.find("too_many_upgrades"), std::string::npos) << refused.body;
    break;
  }
}

}  // namespace
}  // namespace arena
